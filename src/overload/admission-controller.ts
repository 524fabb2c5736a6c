// Overload control that keeps goodput (SPEC Y5; RFC 5390, RFC 6357, RFC 7339). Past its capacity a
// server that accepts work and then times out collapses: clients retransmit and the copies cost more
// work. So new out-of-dialog requests are judged right after framing, against a capacity per
// admission interval, and shed with a cheap 503 and Retry-After before any transaction exists.
//
// Each interval the controller samples the load (event-loop utilisation, pending requests). Over a
// threshold the capacity estimate drops to what was admitted, scaled down by how far over the load
// is; once under, it grows 10 % an interval until nothing needs shedding. While shedding, the
// capacity is divided max-min fairly among the sources that sent in the last interval, so a flooding
// peer is shed down to its share while a quiet one keeps all of its traffic.

import type { Clock, Timer } from '../clock/clock.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import type { SourceAddress } from '../sip/via-stamp.js';
import type { Flow } from '../transport/flow.js';
import type { AdmissionVerdict, MessageAdmission } from '../transport/transport-options.js';
import { AdmissionSource, admissionSourceOf } from './admission-source.js';
import { fairShareLevel } from './fair-share.js';
import type { LoadMeasure, LoadSample } from './load-measure.js';
import { admissionClassOf, branchOf, overloadResponse } from './overload-response.js';
import type {
  AdmissionState,
  OverloadLogger,
  OverloadObserver,
  OverloadSettings,
  ShedCause,
} from './overload-settings.js';
import { ShedMemory } from './shed-memory.js';

export interface AdmissionControllerOptions {
  readonly settings: OverloadSettings;
  readonly clock: Clock;
  readonly load: LoadMeasure;
  readonly observer?: OverloadObserver;
  readonly logger?: OverloadLogger;
}

const ADMIT: AdmissionVerdict = { admit: true };
/** Sources tracked per interval; past this, the rest share one, so spoofed addresses cannot grow memory. */
const MAX_SOURCES = 10_000;
/** How far one interval may cut the estimate, and how much it must cut it when overloaded. */
const DECREASE_FLOOR = 0.7;
const DECREASE_CEILING = 0.95;
const RECOVERY_GROWTH = 1.1;
/** The event loop counts as busy for the queue-delay signal this far below the utilisation threshold. */
const BUSY_MARGIN_PERCENT = 20;
/** Fewer pending requests than this are no queue worth shedding for. */
const MIN_QUEUE = 50;
/** Weight of the newest interval in the throughput the estimate starts from. */
const THROUGHPUT_SMOOTHING = 0.5;

export class AdmissionController implements MessageAdmission {
  readonly #options: AdmissionControllerOptions;
  readonly #settings: OverloadSettings;
  readonly #sources = new Map<string, AdmissionSource>();
  readonly #byFlow = new WeakMap<Flow, AdmissionSource>();
  /** Stream connections that brought requests shed this interval: the ones paused (TCP back-pressure). */
  readonly #shedFlows = new Set<Flow>();
  readonly #overflow = new AdmissionSource('overflow', 'external', '-');
  readonly #shedMemory: ShedMemory;
  readonly #fixedPerInterval: number;
  readonly #minPerInterval: number;
  #refillWaiters: Array<() => void> = [];
  #timer: Timer | undefined;
  #stopped = false;
  #shedding = false;
  #cause: ShedCause = 'capacity';
  /** The load-based estimate per interval; Infinity while not shedding for load. */
  #estimate = Infinity;
  #capacity: number;
  /** The most one source may have admitted this interval. */
  #level = Infinity;
  #demandTotal = 0;
  #admittedTotal = 0;
  #episodeShed = 0;
  #lastSample: LoadSample = { eventLoopUtilisation: 0, pendingRequests: 0 };
  /** Requests the edge finished per interval (smoothed): what it really carries, whatever it admits. */
  #throughput = 0;
  /** Requests finished in the last interval alone: a ramp from idle shows here before the average. */
  #lastFinished = 0;

  constructor(options: AdmissionControllerOptions) {
    this.#options = options;
    this.#settings = options.settings;
    const perInterval = (perSecond: number): number => (perSecond * this.#settings.intervalMs) / 1000;
    this.#fixedPerInterval =
      this.#settings.capacityPerSecond > 0 ? Math.max(1, perInterval(this.#settings.capacityPerSecond)) : Infinity;
    this.#minPerInterval = Math.max(1, perInterval(this.#settings.minCapacityPerSecond));
    this.#capacity = this.#fixedPerInterval;
    this.#shedMemory = new ShedMemory(this.#settings.intervalMs);
  }

  get shedding(): boolean {
    return this.#shedding;
  }

  start(): void {
    if (!this.#settings.enabled || this.#timer !== undefined) return;
    this.#timer = this.#options.clock.setTimer(this.#settings.intervalMs, this.#onInterval);
  }

  /** Admit everything from now on (nothing would refill the shares) and wake paused readers. */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#stopped = true;
    this.#refill();
  }

  judge(message: IncomingMessage, flow: Flow, replyTo: SourceAddress): AdmissionVerdict {
    if (!this.#settings.enabled || this.#stopped || admissionClassOf(message) === 'priority') return ADMIT;
    const source = this.#sourceOf(flow);
    source.demand++;
    this.#demandTotal++;
    // Keyed by source too, so one sender cannot get another's requests shed by reusing their branches.
    const received = flow.reliable ? undefined : branchOf(message);
    const branch = received === undefined ? undefined : `${source.key} ${received}`;
    if (branch !== undefined && this.#shedMemory.has(branch)) return this.#shed(message, source, flow, replyTo, branch);
    if (!this.#hasRoomFor(source)) return this.#shed(message, source, flow, replyTo, branch);
    source.admitted++;
    this.#admittedTotal++;
    return ADMIT;
  }

  /**
   * Whether to stop reading `flow` until the shares refill: only a connection that itself brought
   * requests shed this interval. Another connection of the same source (a server answering over its
   * own connection, the community's other clients) keeps being read: its responses finish work.
   */
  overShare(flow: Flow): boolean {
    return !this.#stopped && this.#shedFlows.has(flow);
  }

  whenRefilled(resume: () => void): void {
    this.#refillWaiters.push(resume);
  }

  /** One admission interval: sample, publish, and set the capacity and shares of the next. */
  tick(): void {
    const sample = this.#options.load.sample();
    this.#noteThroughput(sample);
    this.#lastSample = sample;
    this.#publishShed();
    const wasShedding = this.#shedding;
    const loadCause = this.#loadCauseOf(sample);
    this.#estimate = this.#nextEstimate(sample, loadCause);
    this.#capacity = Math.min(this.#fixedPerInterval, this.#estimate);
    const demands = [...this.#sources.values()].map((s) => s.demand).filter((d) => d > 0);
    this.#shedding = loadCause !== undefined || this.#demandTotal > this.#capacity;
    if (!this.#shedding) {
      // Recovered: the probing estimate is dropped, or the next interval would start shedding again at once.
      this.#estimate = Infinity;
      this.#capacity = this.#fixedPerInterval;
    }
    if (loadCause !== undefined) this.#cause = loadCause;
    else if (!wasShedding) this.#cause = 'capacity';
    this.#level = this.#shedding ? fairShareLevel(this.#capacity, demands) : Infinity;
    this.#logStateChange(wasShedding, sample);
    this.#options.observer?.state(this.#state(sample));
    this.#startInterval();
    this.#shedMemory.tick();
    this.#refill();
  }

  readonly #onInterval = (): void => {
    this.tick();
    this.#timer = this.#options.clock.setTimer(this.#settings.intervalMs, this.#onInterval);
  };

  #hasRoomFor(source: AdmissionSource): boolean {
    // A fixed capacity is enforced inside the interval too: the first request past it starts shedding.
    if (!this.#shedding && this.#admittedTotal >= this.#capacity) this.#beginShedding();
    // New sources each get a full level; twice the capacity bounds what many of them together take.
    return source.admitted < this.#level && this.#admittedTotal < 2 * this.#capacity;
  }

  #beginShedding(): void {
    this.#shedding = true;
    this.#cause = 'capacity';
    const demands = [...this.#sources.values()].map((s) => s.demand).filter((d) => d > 0);
    this.#level = fairShareLevel(this.#capacity, demands);
    this.#logStateChange(false, this.#lastSample);
  }

  #shed(
    message: IncomingMessage,
    source: AdmissionSource,
    flow: Flow,
    replyTo: SourceAddress,
    branch: string | undefined,
  ): AdmissionVerdict {
    const answer = overloadResponse(message, replyTo, this.#settings.retryAfterSeconds);
    if (answer === undefined) source.dropped++;
    else source.answered++;
    if (flow.reliable) this.#shedFlows.add(flow);
    if (branch !== undefined) this.#shedMemory.remember(branch);
    if (this.#episodeShed++ === 0) {
      // Y5: one line per episode, with the first Call-ID shed; the metric counts every one.
      this.#options.logger?.info(
        { spec: 'Y5', callId: message.headers.get('call-id'), source: source.key, cause: this.#cause },
        'Y5 overload: first new request shed with 503',
      );
    }
    return { admit: false, answer };
  }

  #loadCauseOf(sample: LoadSample): ShedCause | undefined {
    if (sample.eventLoopUtilisation * 100 >= this.#settings.eluThresholdPercent) return 'event-loop';
    if (this.#queueDelayRatio(sample) > 1) return 'queue-delay';
    if (sample.pendingRequests >= this.#settings.pendingRequestsLimit) return 'pending-requests';
    if ((sample.sendRefusals ?? 0) > 0) return 'send-queue';
    return undefined;
  }

  #nextEstimate(sample: LoadSample, loadCause: ShedCause | undefined): number {
    if (loadCause === undefined) {
      if (this.#shedding && Number.isFinite(this.#estimate)) return Math.ceil(this.#estimate * RECOVERY_GROWTH) + 1;
      return Infinity;
    }
    // What the edge finished, not what it let in: admissions run ahead of a saturated edge (the
    // excess queues in socket buffers), and an estimate built on them never catches up.
    const finished = Math.max(this.#minPerInterval, Math.floor(this.#throughput));
    if (loadCause === 'event-loop' && Number.isFinite(this.#estimate)) {
      // A busy loop without a queue behind it is the shedding itself at work (reading a flood and
      // answering it 503): the admitted work is keeping up, so the estimate holds instead of
      // ratcheting down on every busy interval until nothing is admitted.
      return Math.max(this.#minPerInterval, Math.min(this.#estimate, finished * RECOVERY_GROWTH));
    }
    const overBy = Math.max(
      (sample.eventLoopUtilisation * 100) / this.#settings.eluThresholdPercent,
      sample.pendingRequests / this.#settings.pendingRequestsLimit,
      this.#queueDelayRatio(sample),
    );
    const factor = Math.min(DECREASE_CEILING, Math.max(DECREASE_FLOOR, 1 / overBy));
    const base = Math.min(this.#throughput, this.#admittedTotal, this.#estimate);
    return Math.max(this.#minPerInterval, Math.floor(base * factor));
  }

  /**
   * How far the wait inside the edge (Little's law: pending / finished per interval) is over its
   * bound, while the event loop is busy; 0 when it is not. An idle edge with many pending requests is
   * waiting on a slow next hop, not overloaded itself, so the wait alone does not shed.
   */
  #queueDelayRatio(sample: LoadSample): number {
    const busy = sample.eventLoopUtilisation * 100 >= this.#settings.eluThresholdPercent - BUSY_MARGIN_PERCENT;
    if (!busy || sample.pendingRequests < MIN_QUEUE) return 0;
    const finishing = Math.max(1, this.#throughput, this.#lastFinished);
    const waitMs = (sample.pendingRequests / finishing) * this.#settings.intervalMs;
    return waitMs / this.#settings.maxQueueDelayMs;
  }

  /** Flow conservation: finished = admitted + pending before - pending now (in-dialog traffic evens out). */
  #noteThroughput(sample: LoadSample): void {
    const finished = Math.max(0, this.#admittedTotal + this.#lastSample.pendingRequests - sample.pendingRequests);
    this.#throughput = THROUGHPUT_SMOOTHING * finished + (1 - THROUGHPUT_SMOOTHING) * this.#throughput;
    this.#lastFinished = finished;
  }

  #logStateChange(wasShedding: boolean, sample: LoadSample): void {
    const logger = this.#options.logger;
    if (this.#shedding === wasShedding || logger === undefined) return;
    const details = { spec: 'Y5', cause: this.#cause, ...this.#state(sample) };
    if (this.#shedding) logger.warn(details, 'Y5 overload: shedding new out-of-dialog requests with 503');
    else logger.info({ ...details, shed: this.#episodeShed }, 'Y5 overload over: admitting every request');
    if (!this.#shedding) this.#episodeShed = 0;
  }

  #state(sample: LoadSample): AdmissionState {
    const perSecond = (this.#capacity * 1000) / this.#settings.intervalMs;
    return {
      shedding: this.#shedding,
      eventLoopUtilisation: sample.eventLoopUtilisation,
      capacityPerSecond: perSecond,
    };
  }

  #publishShed(): void {
    const observer = this.#options.observer;
    if (observer === undefined) return;
    for (const source of [...this.#sources.values(), this.#overflow]) {
      if (source.shed === 0) continue;
      const { side, peer, answered, dropped } = source;
      observer.shed({ cause: this.#cause, side, peer, answered, dropped });
    }
  }

  /** Sources that sent nothing are forgotten; the rest start the interval from zero. */
  #startInterval(): void {
    for (const [key, source] of this.#sources) {
      if (source.demand === 0) {
        source.retired = true;
        this.#sources.delete(key);
      } else source.startInterval();
    }
    this.#overflow.startInterval();
    this.#shedFlows.clear();
    this.#demandTotal = 0;
    this.#admittedTotal = 0;
  }

  #sourceOf(flow: Flow): AdmissionSource {
    const known = this.#byFlow.get(flow);
    if (known !== undefined && !known.retired) return known;
    const fresh = admissionSourceOf(flow);
    let source = this.#sources.get(fresh.key);
    if (source === undefined) {
      if (this.#sources.size >= MAX_SOURCES) return this.#overflow;
      source = fresh;
      this.#sources.set(source.key, source);
    }
    this.#byFlow.set(flow, source);
    return source;
  }

  #refill(): void {
    const waiters = this.#refillWaiters;
    this.#refillWaiters = [];
    for (const resume of waiters) resume();
  }
}

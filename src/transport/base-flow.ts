// What stream and datagram flows share: identity, the reference count, and the idle timeout that
// closes a flow nobody holds and nobody uses (SPEC F4: idle connections close, reopen on demand).

import type { Clock, Timer } from '../clock/clock.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import type { Endpoint, Flow, Side, TransportProtocol } from './flow.js';
import type { MessageAdmission, TransportLimits, TransportLogger, TransportStats } from './transport-options.js';

/** What a flow needs from the layer that owns it; one object shared by every flow. */
export interface FlowContext {
  readonly clock: Clock;
  readonly limits: TransportLimits;
  readonly stats: TransportStats;
  readonly logger: TransportLogger | undefined;
  /** SPEC Y5: judges each framed message before `deliver`; undefined admits everything. */
  readonly admission?: MessageAdmission | undefined;
  /** Called from the flow's constructor: the flow is open. */
  flowOpened(flow: BaseFlow): void;
  /** Hand a message to the layer above; never throws. */
  deliver(message: IncomingMessage, flow: Flow): void;
  /** Called exactly once, when the flow stops being open. */
  flowClosed(flow: BaseFlow, reason: string): void;
}

export interface FlowInit {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly side: Side;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly peerIdentity?: readonly string[];
  readonly peerCertificateExpiresAt?: number;
}

export abstract class BaseFlow implements Flow {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly side: Side;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly peerIdentity: readonly string[] | undefined;
  readonly peerCertificateExpiresAt: number | undefined;
  abstract readonly reliable: boolean;
  protected readonly context: FlowContext;
  #open = true;
  #refs = 0;
  #lastActivity: number;
  #idleTimer: Timer;
  readonly #onIdleTimer = (): void => this.#checkIdle();

  constructor(init: FlowInit, context: FlowContext) {
    this.id = init.id;
    this.protocol = init.protocol;
    this.side = init.side;
    this.local = init.local;
    this.remote = init.remote;
    this.peerIdentity = init.peerIdentity;
    this.peerCertificateExpiresAt = init.peerCertificateExpiresAt;
    this.context = context;
    this.#lastActivity = context.clock.now();
    this.#idleTimer = context.clock.setTimer(context.limits.idleTimeoutMs, this.#onIdleTimer);
    context.flowOpened(this);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** How many holders keep the flow from idling out (for the admin API). */
  get refCount(): number {
    return this.#refs;
  }

  abstract send(bytes: Buffer): boolean;

  ref(): void {
    this.#refs++;
  }

  unref(): void {
    if (this.#refs === 0) return;
    // The idle period starts when the last holder lets go, not at the last message.
    if (--this.#refs === 0) this.touch();
  }

  close(reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.#idleTimer.cancel();
    this.release(reason);
    this.context.flowClosed(this, reason);
  }

  /** Record SIP traffic: the idle period restarts. */
  protected touch(): void {
    this.#lastActivity = this.context.clock.now();
  }

  /** Give up the flow's resources (socket, timers, cache entry); called once. */
  protected abstract release(reason: string): void;

  // One timer per flow, re-armed when it fires, rather than one per message: a busy flow costs a
  // clock read per message and a timer per idle period.
  #checkIdle(): void {
    if (!this.#open) return;
    const idleMs = this.context.limits.idleTimeoutMs;
    const quietMs = this.context.clock.now() - this.#lastActivity;
    if (this.#refs === 0 && quietMs >= idleMs) {
      this.close('idle');
      return;
    }
    const wait = this.#refs === 0 ? idleMs - quietMs : idleMs;
    this.#idleTimer = this.context.clock.setTimer(Math.max(wait, 1), this.#onIdleTimer);
  }
}

// The overload leg (Y5): once the ladder has found a proxy's maximum sustained rate on a transport, it
// offers 1.5× and 2× that maximum for a full step each. A proxy that sheds well keeps relaying close to
// its maximum, answers the excess 503 with Retry-After at once, and keeps the admitted requests fast;
// one that does not, queues until requests time out. The figures here are what the report prints and
// the targets judge: goodput (200s per second of offered load), the share of the maximum's goodput
// kept, 503s (SIPp's and the probe's) and how many carried Retry-After, timeouts, retransmissions, the
// probe's p99 of the admitted requests and its time-to-503.

import type { StepOutcome } from './relay-step.js';

export const OVERLOAD_FACTORS = [1.5, 2] as const;

export interface OverloadFigures {
  /** Offered load as a multiple of the proxy's own maximum. */
  readonly factor: number;
  readonly offeredRate: number;
  /** MESSAGE/s SIPp actually sent (below `offeredRate` when the generator itself could not keep up). */
  readonly sentRate: number;
  readonly goodput: number;
  /** Goodput of the step at the maximum, the reference for `keptShare`. */
  readonly maxGoodput: number;
  readonly keptShare: number | undefined;
  /** Requests the step offered: SIPp's calls and the probe's MESSAGEs. */
  readonly requests: number;
  readonly admitted: number;
  readonly shed: number;
  readonly shedWithRetryAfter: number;
  readonly timeouts: number;
  readonly retransmissions: number;
  /** Neither 200 nor 503 nor a timeout (SIPp's 5 s, the probe's 5 s): other failures (a broken connection, a 500) and calls never finished. */
  readonly otherFailures: number;
  /** What the other failures were: SIPp's failure counters (TcpClosed, UnexpectedMessage...), calls never finished, probe answers other than 200 and 503. */
  readonly otherReasons: Readonly<Record<string, number>>;
  /** The probe's p99 over the admitted (200) requests. */
  readonly admittedP99Ms: number | undefined;
  /** The probe's time-to-503; undefined when no probe MESSAGE was shed. */
  readonly timeTo503P50Ms: number | undefined;
  readonly timeTo503P99Ms: number | undefined;
  /** Percent of one core the proxy used. */
  readonly proxyCpu: number | undefined;
  /** The proxy or the UAS died, or the step could not be run: why. */
  readonly broke: string | undefined;
}

export interface OverloadRun {
  readonly figures: OverloadFigures;
  readonly step: StepOutcome | undefined;
}

/** The figures of one overload step against the step at the proxy's maximum. */
export function summariseOverload(
  factor: number,
  step: StepOutcome,
  best: StepOutcome,
  broke: string | undefined,
): OverloadFigures {
  const { uac, probe } = step;
  const admitted = uac.successful + probe.answered - probe.rejected;
  const shed = uac.shed + probe.shed;
  const timeouts = uac.timeouts + probe.unanswered;
  const requests = uac.calls + probe.sent;
  return {
    factor,
    offeredRate: step.rate,
    sentRate: uac.sentRate,
    goodput: uac.goodput,
    maxGoodput: best.uac.goodput,
    keptShare: best.uac.goodput > 0 ? uac.goodput / best.uac.goodput : undefined,
    requests,
    admitted,
    shed,
    shedWithRetryAfter: uac.shedWithRetryAfter + probe.shedWithRetryAfter,
    timeouts,
    retransmissions: uac.retransmissions,
    otherFailures: Math.max(0, requests - admitted - shed - timeouts),
    otherReasons: otherReasons(step),
    admittedP99Ms: probe.p99Ms,
    timeTo503P50Ms: probe.shedP50Ms,
    timeTo503P99Ms: probe.shedP99Ms,
    proxyCpu: step.cpu.groups.proxy,
    broke,
  };
}

/** An overload step that could not be run at all (the proxy had died on the step before, a port was taken). */
export function unrunOverload(factor: number, rate: number, best: StepOutcome, why: string): OverloadFigures {
  return {
    factor,
    offeredRate: rate,
    sentRate: 0,
    goodput: 0,
    maxGoodput: best.uac.goodput,
    keptShare: undefined,
    requests: 0,
    admitted: 0,
    shed: 0,
    shedWithRetryAfter: 0,
    timeouts: 0,
    retransmissions: 0,
    otherFailures: 0,
    otherReasons: {},
    admittedP99Ms: undefined,
    timeTo503P50Ms: undefined,
    timeTo503P99Ms: undefined,
    proxyCpu: undefined,
    broke: why,
  };
}

function otherReasons({ uac, probe }: StepOutcome): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const [name, n] of Object.entries(uac.failureReasons)) if (name !== 'TimeoutOnRecv') reasons[name] = n;
  if (uac.unfinished > 0) reasons['unfinished'] = uac.unfinished;
  const probeOther = probe.rejected - probe.shed;
  if (probeOther > 0) reasons['probe non-503 rejections'] = probeOther;
  return reasons;
}

// The timer values of RFC 3261 §17.1.1.1 and Table 4: T1 (RTT estimate, 500 ms), T2 (cap on non-INVITE
// request and INVITE response retransmission, 4 s), T4 (how long the network holds a message, 5 s).
// Every other timer of §17 derives from these.

import { EdgeError } from '../errors.js';

export interface TransactionTimers {
  readonly t1Ms: number;
  readonly t2Ms: number;
  readonly t4Ms: number;
}

/** RFC 3261 Table 4 defaults; the configuration layer supplies its own. */
export const DEFAULT_TRANSACTION_TIMERS: TransactionTimers = Object.freeze({ t1Ms: 500, t2Ms: 4000, t4Ms: 5000 });

/** RFC 3261 Table 4: timers B, F, H, J (and RFC 6026 timer L) are 64*T1. */
export function transactionTimeoutMs(timers: TransactionTimers): number {
  return 64 * timers.t1Ms;
}

/** RFC 3261 §17.1.1.2: timer D is at least 32 s over unreliable transports, 0 over reliable ones. */
export const TIMER_D_UNRELIABLE_MS = 32_000;

export function validateTransactionTimers(timers: TransactionTimers): TransactionTimers {
  const { t1Ms, t2Ms, t4Ms } = timers;
  if (!(t1Ms > 0) || !(t2Ms >= t1Ms) || !(t4Ms >= 0)) {
    throw new EdgeError(
      'CONFIG_INVALID',
      `transaction timers need T1 > 0, T2 >= T1 and T4 >= 0 (got T1=${t1Ms}, T2=${t2Ms}, T4=${t4Ms})`,
    );
  }
  return timers;
}

// Targets that failed recently (D2: connect error, timeout, 503) are avoided for a back-off period:
// they move to the end of every list handed out, so traffic goes to the healthy targets first and
// a peer whose every target failed is still tried rather than refused outright.

import type { Clock } from '../clock/clock.js';

export interface TargetAddress {
  readonly protocol: string;
  readonly address: string;
  readonly port: number;
}

export interface FailureDetail {
  /** A 503's Retry-After (RFC 3261 §21.5.4), which replaces the configured back-off when longer. */
  readonly retryAfterMs?: number;
}

export interface TargetBackoffOptions {
  readonly clock: Clock;
  readonly backoffMs: number;
  /** Never back off longer than this, whatever a Retry-After says. */
  readonly maxBackoffMs?: number;
  /** A bound on how many failed targets are remembered. */
  readonly maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

export class TargetBackoff {
  readonly #options: TargetBackoffOptions;
  /** key → clock time (ms) until which the target is avoided. */
  readonly #until = new Map<string, number>();

  constructor(options: TargetBackoffOptions) {
    this.#options = options;
  }

  reportFailure(target: TargetAddress, detail?: FailureDetail): void {
    const { clock, backoffMs } = this.#options;
    const maxBackoffMs = this.#options.maxBackoffMs ?? Math.max(backoffMs, 3_600_000);
    const period = Math.min(maxBackoffMs, Math.max(backoffMs, detail?.retryAfterMs ?? 0));
    if (period <= 0) return;
    const key = keyOf(target);
    this.#until.delete(key);
    if (this.#until.size >= (this.#options.maxEntries ?? DEFAULT_MAX_ENTRIES)) this.#forgetOldest();
    this.#until.set(key, clock.now() + period);
  }

  isBackedOff(target: TargetAddress): boolean {
    if (this.#until.size === 0) return false;
    const key = keyOf(target);
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > this.#options.clock.now()) return true;
    this.#until.delete(key);
    return false;
  }

  /** The same targets, those in back-off moved to the end in their original order. */
  arrange<T extends TargetAddress>(targets: T[]): T[] {
    if (this.#until.size === 0) return targets;
    const healthy: T[] = [];
    const avoided: T[] = [];
    for (const target of targets) (this.isBackedOff(target) ? avoided : healthy).push(target);
    return avoided.length === 0 ? targets : [...healthy, ...avoided];
  }

  #forgetOldest(): void {
    const oldest = this.#until.keys().next();
    if (!oldest.done) this.#until.delete(oldest.value);
  }
}

function keyOf(target: TargetAddress): string {
  return `${target.protocol} ${target.address} ${target.port}`;
}

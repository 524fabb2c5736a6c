// What the edge does about tracked subscriptions on its own, driven by the clock or by an operator:
// forget expired dialogs (a sweep every minute, not a timer per dialog), revalidate old ones (P9,
// 003 §10.3: "periodically re-SUBSCRIBE to all external contacts ... at least every 45 days"), and
// tell a removed user's external watchers (X3, 003 §9.3). It speaks in the dialogs through the
// SubscriptionActions port; it never throws at the clock.

import type { Clock, Timer } from '../../clock/clock.js';
import type { Logger } from '../../observability/logger.js';
import type { StateStore } from '../../state/state-store.js';
import { parseAddress } from '../../sip/address-of-record.js';
import { tombstone } from '../../state/tombstones.js';
import { terminatingNotify, unsubscribe } from './in-dialog-requests.js';
import type { SubscriptionActions } from './subscription-actions.js';
import type { SubscriptionTracker } from './subscription-tracker.js';

export interface SubscriptionSupervisorOptions {
  readonly tracker: SubscriptionTracker;
  readonly actions: SubscriptionActions;
  readonly store: StateStore;
  /** Drives the sweeps. */
  readonly clock: Clock;
  /** Wall-clock ms: what dialog times are compared with. */
  readonly now: () => number;
  /** P9: 45 days unless configured otherwise (policy.subscriptions.revalidateAfterSeconds). */
  readonly revalidateAfterSeconds: number;
  /** Y2: how long a removed user's address stays tombstoned (policy.limits.tombstoneSeconds). */
  readonly tombstoneSeconds: number;
  readonly log: Logger;
}

export interface RevalidationReport {
  /** Subscriptions ended: the watcher got NOTIFY terminated;reason=deactivated, the notifier Expires: 0. */
  readonly revalidated: number;
}

export interface RemovalReport {
  /** The address-of-record tombstoned. */
  readonly address: string;
  /** External watchers sent NOTIFY terminated;reason=noresource, and how many answered 2xx. */
  readonly watchers: number;
  readonly acknowledged: number;
}

const EXPIRY_SWEEP_MS = 60_000;
const REVALIDATION_SWEEP_MS = 3_600_000;
/** Bounds the burst of re-SUBSCRIBEs one sweep causes; the next sweep takes the rest. */
const REVALIDATIONS_PER_SWEEP = 5000;
const CONCURRENT_REQUESTS = 16;

export class SubscriptionSupervisor {
  readonly #options: SubscriptionSupervisorOptions;
  readonly #timers = new Set<Timer>();
  #revalidating: Promise<RevalidationReport> | undefined;
  #stopped = false;

  constructor(options: SubscriptionSupervisorOptions) {
    this.#options = options;
  }

  start(): void {
    this.#every(EXPIRY_SWEEP_MS, () => {
      const removed = this.#options.tracker.sweep(this.#options.now());
      if (removed > 0) this.#options.log.debug({ removed }, 'expired subscription dialogs forgotten');
    });
    this.#every(REVALIDATION_SWEEP_MS, () => {
      this.revalidate().catch((error: unknown) => this.#options.log.error({ err: error }, 'P9 revalidation failed'));
    });
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) timer.cancel();
    this.#timers.clear();
  }

  /** P9: end every outbound subscription created longer ago than revalidateAfterSeconds (at most one batch). */
  revalidate(): Promise<RevalidationReport> {
    this.#revalidating ??= this.#revalidate().finally(() => (this.#revalidating = undefined));
    return this.#revalidating;
  }

  /**
   * X3 (003 §9.3) with Y2: tombstone the address, then send each external watcher of it NOTIFY
   * terminated;reason=noresource and stop tracking the dialog. Throws CONFIG_INVALID for text that is
   * not an address. For the admin API and the registrar.
   */
  async removeUser(address: string): Promise<RemovalReport> {
    const { tracker, actions, store } = this.#options;
    const presentity = parseAddress(address);
    await tombstone(store, presentity, { tombstoneSeconds: this.#options.tombstoneSeconds }, this.#options.now);
    const ids = await tracker.watchersOf(presentity);
    const statuses = await forEachLimited(ids, async (id) => {
      const record = await tracker.record(id);
      await tracker.remove(id);
      return record === undefined ? 0 : actions.send(terminatingNotify(record, 'noresource'));
    });
    const acknowledged = statuses.filter((s) => s >= 200 && s < 300).length;
    this.#options.log.info(
      { address: presentity, watchers: ids.length, acknowledged },
      'X3 user removed; external watchers told',
    );
    return { address: presentity, watchers: ids.length, acknowledged };
  }

  async #revalidate(): Promise<RevalidationReport> {
    const { tracker, actions } = this.#options;
    const table = tracker.table;
    const now = this.#options.now();
    const cutoff = now - this.#options.revalidateAfterSeconds * 1000;
    // Expired subscriptions are the sweep's to forget; only live ones are worth a re-SUBSCRIBE.
    const due = table.select(
      (slot) =>
        table.direction(slot) === 'outbound' &&
        table.get(slot, 'createdAt') <= cutoff &&
        table.get(slot, 'expiresAt') > now,
      REVALIDATIONS_PER_SWEEP,
    );
    const acted = await forEachLimited(due, async (id) => {
      const record = await tracker.record(id);
      await tracker.remove(id);
      if (record === undefined) return 0; // the store lost it: nothing to speak in the dialog with
      // RFC 6665 §4.1.3: deactivated asks the watcher to re-subscribe at once: a fresh SUBSCRIBE, a new dialog.
      await Promise.all([actions.send(terminatingNotify(record, 'deactivated')), actions.send(unsubscribe(record))]);
      return 1;
    });
    const revalidated = acted.reduce((sum, n) => sum + n, 0);
    if (due.length > 0)
      this.#options.log.info(
        { due: due.length, revalidated },
        'P9 subscriptions older than the revalidation period ended',
      );
    return { revalidated };
  }

  #every(intervalMs: number, run: () => void): void {
    const schedule = (): void => {
      if (this.#stopped) return;
      const timer = this.#options.clock.setTimer(intervalMs, () => {
        this.#timers.delete(timer);
        run();
        schedule();
      });
      this.#timers.add(timer);
    };
    schedule();
  }
}

/** Run `work` over the items, CONCURRENT_REQUESTS at a time; the results in item order. */
async function forEachLimited(items: readonly string[], work: (item: string) => Promise<number>): Promise<number[]> {
  const results: number[] = new Array<number>(items.length).fill(0);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_REQUESTS, items.length) }, worker));
  return results;
}

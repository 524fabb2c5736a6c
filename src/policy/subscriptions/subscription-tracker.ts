// The subscription dialogs the edge relays (P7, P8, P9, X3): the compact table in memory for the
// per-NOTIFY decisions, written through to the shared store so that a restart (SQLite) or another
// instance (Redis, O7) does not forget live subscriptions. Store entries expire with the
// subscription (plus a grace), the table is swept by the caller's clock, and the table has a
// ceiling, so neither grows without bound (Y4).

import type { Logger } from '../../observability/logger.js';
import type { IncomingRequest } from '../../sip/incoming-message.js';
import type { StateStore } from '../../state/state-store.js';
import { boundedPart, KEY_PREFIXES } from '../../state/store-keys.js';
import { inDialogId } from './dialog-id.js';
import type { SubscriptionRecord } from './subscription-record.js';
import { SubscriptionTable } from './subscription-table.js';

export interface SubscriptionTrackerOptions {
  readonly store: StateStore;
  /** Y4: at most this many dialogs are tracked; beyond it new ones cross untracked. */
  readonly maxDialogs: number;
  readonly log?: Logger;
  /**
   * I4: the Call-ID a dialog's originator wrote, from the one a request carries (topology hiding maps
   * it at the border, so the two ends' requests carry different values); as it is when absent.
   */
  readonly originalCallId?: (callId: string) => string;
}

/** A dialog is kept this long past its expiry, so the notifier's NOTIFY terminated;reason=timeout still matches it. */
export const EXPIRY_GRACE_MS = 5 * 60_000;
const PAGE = 1000;

export type RefreshUpdate = Pick<SubscriptionRecord, 'refreshedAt' | 'expiresAt' | 'paramsDigest' | 'watcherCSeq'> & {
  readonly notifierContact?: string;
};

export function subscriptionKey(id: string): string {
  return KEY_PREFIXES.subscription + id;
}

export function watchersPrefix(presentity: string): string {
  return `${KEY_PREFIXES.watchers}${boundedPart(presentity)}:`;
}

export class SubscriptionTracker {
  readonly table: SubscriptionTable;
  readonly #store: StateStore;
  readonly #log: Logger | undefined;
  readonly #originalCallId: ((callId: string) => string) | undefined;
  #untracked = 0;
  #lastRequest: IncomingRequest | undefined;
  #lastId: string | undefined;

  constructor(options: SubscriptionTrackerOptions) {
    this.table = new SubscriptionTable({ maxDialogs: options.maxDialogs });
    this.#store = options.store;
    this.#log = options.log;
    this.#originalCallId = options.originalCallId;
  }

  /** Dialogs that were not tracked because the table was full. */
  get untracked(): number {
    return this.#untracked;
  }

  /** Start-up: every live subscription the store remembers goes back into the table; how many. */
  async load(now: number): Promise<number> {
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list<SubscriptionRecord>(
        KEY_PREFIXES.subscription,
        after === undefined ? { limit: PAGE } : { limit: PAGE, after },
      );
      for (const { value } of page) if (value.expiresAt > now) this.#insert(value);
      if (page.length < PAGE) return this.table.size;
      after = page[page.length - 1]!.key;
    }
  }

  /**
   * The dialog an in-dialog SUBSCRIBE or NOTIFY belongs to (dialog-id.ts). Several rules ask about
   * the request being checked, so the last answer is kept.
   */
  dialogOf(request: IncomingRequest): string | undefined {
    if (request !== this.#lastRequest) {
      this.#lastRequest = request;
      this.#lastId = inDialogId(request, this.#originalCallId?.(request.callId) ?? request.callId);
    }
    return this.#lastId;
  }

  /**
   * The table slot of a dialog; -1 if none. Synchronous when the table has it; read through from the
   * store when another instance (or a past run) created it.
   */
  slotFor(id: string, now: number): number | Promise<number> {
    const slot = this.table.slotOf(id);
    return slot >= 0 ? slot : this.#readThrough(id, now);
  }

  async #readThrough(id: string, now: number): Promise<number> {
    const record = await this.#store.get<SubscriptionRecord>(subscriptionKey(id));
    return record === undefined || record.expiresAt <= now ? -1 : this.#insert(record);
  }

  async create(record: SubscriptionRecord, now: number): Promise<void> {
    if (this.#insert(record) < 0) return;
    await this.#persist(record, now);
  }

  /** A 2xx to a re-SUBSCRIBE: a new period from now (RFC 6665 §4.1.2.2). */
  async refresh(id: string, update: RefreshUpdate, now: number): Promise<void> {
    const slot = await this.slotFor(id, now);
    if (slot < 0) return;
    for (const field of ['refreshedAt', 'expiresAt', 'paramsDigest', 'watcherCSeq'] as const)
      this.table.set(slot, field, update[field]);
    const stored = await this.#store.get<SubscriptionRecord>(subscriptionKey(id));
    if (stored !== undefined)
      await this.#persist({ ...stored, ...update, notifierCSeq: this.table.get(slot, 'notifierCSeq') }, now);
  }

  /** The dialog ended (Expires: 0, NOTIFY terminated, 481, or the edge ended it itself). */
  async remove(id: string): Promise<void> {
    this.table.remove(id);
    try {
      const stored = await this.#store.get<SubscriptionRecord>(subscriptionKey(id));
      await this.#store.delete(subscriptionKey(id));
      if (stored?.direction === 'inbound') await this.#store.delete(watchersPrefix(stored.presentity) + id);
    } catch (error) {
      this.#log?.warn(
        { dialog: id, err: String(error) },
        'subscription dialog not removed from the store; it expires there',
      );
    }
  }

  /** The stored record, with the CSeq numbers the table has seen since. */
  async record(id: string): Promise<SubscriptionRecord | undefined> {
    const stored = await this.#store.get<SubscriptionRecord>(subscriptionKey(id));
    const slot = this.table.slotOf(id);
    if (stored === undefined || slot < 0) return stored;
    return {
      ...stored,
      watcherCSeq: Math.max(stored.watcherCSeq, this.table.get(slot, 'watcherCSeq')),
      notifierCSeq: Math.max(stored.notifierCSeq, this.table.get(slot, 'notifierCSeq')),
    };
  }

  /** X3: the dialogs in which external watchers watch this presentity (an address-of-record), in the whole cluster. */
  async watchersOf(presentity: string): Promise<string[]> {
    const prefix = watchersPrefix(presentity);
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list<unknown>(
        prefix,
        after === undefined ? { limit: PAGE } : { limit: PAGE, after },
      );
      ids.push(...page.map((entry) => entry.key.slice(prefix.length)));
      if (page.length < PAGE) return ids;
      after = page[page.length - 1]!.key;
    }
  }

  /** Forget dialogs past their expiry and grace (the store forgets them by TTL); how many. */
  sweep(now: number): number {
    return this.table.removeExpired(now - EXPIRY_GRACE_MS);
  }

  #insert(record: SubscriptionRecord): number {
    const slot = this.table.insert(record.id, record);
    if (slot < 0) this.#untracked++;
    return slot;
  }

  async #persist(record: SubscriptionRecord, now: number): Promise<void> {
    const ttlMs = Math.max(1000, Math.ceil(record.expiresAt - now + EXPIRY_GRACE_MS));
    try {
      await this.#store.set(subscriptionKey(record.id), record, { ttlMs });
      if (record.direction === 'inbound')
        await this.#store.set(watchersPrefix(record.presentity) + record.id, { id: record.id }, { ttlMs });
    } catch (error) {
      // The table still tracks the dialog; only a restart or another instance would miss it.
      this.#log?.warn({ dialog: record.id, err: String(error) }, 'subscription dialog not persisted');
    }
  }
}

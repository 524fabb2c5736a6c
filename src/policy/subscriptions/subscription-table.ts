// The in-memory table of tracked subscription dialogs, laid out for a million live entries: a Map
// from the 16-character dialog id to a slot number (a small integer, so no object per dialog), and
// the fields of every slot side by side in typed arrays: eight doubles (times in wall-clock ms,
// digests, CSeq numbers) and two bytes (flags, early-refresh count). What P9 and X3 need to send a
// request in the dialog (route set, contacts) stays in the store, read only when they act.

export type SubscriptionDirection = 'inbound' | 'outbound';

export const NUMBER_FIELDS = [
  'createdAt',
  'refreshedAt',
  'expiresAt',
  'notifiedAt',
  'notifyDigest',
  'paramsDigest',
  'watcherCSeq',
  'notifierCSeq',
] as const;
export type NumberField = (typeof NUMBER_FIELDS)[number];

const OFFSET = Object.fromEntries(NUMBER_FIELDS.map((field, i) => [field, i])) as Readonly<Record<NumberField, number>>;
const STRIDE = NUMBER_FIELDS.length;
const BYTE_STRIDE = 2;
const FLAG_OUTBOUND = 1;
const FLAG_PARTIAL_STATE = 2;
const MAX_EARLY_REFRESHES = 255;
const INITIAL_CAPACITY = 1024;

/** A new dialog: the fields known when the 2xx to SUBSCRIBE crosses. Nothing has been notified yet. */
export interface DialogEntry {
  readonly direction: SubscriptionDirection;
  readonly createdAt: number;
  readonly refreshedAt: number;
  readonly expiresAt: number;
  readonly paramsDigest: number;
  readonly watcherCSeq: number;
  readonly notifierCSeq: number;
}

export class SubscriptionTable {
  readonly #maxDialogs: number;
  readonly #index = new Map<string, number>();
  readonly #ids: Array<string | undefined> = [];
  readonly #free: number[] = [];
  #numbers: Float64Array;
  #bytes: Uint8Array;

  constructor(options: { readonly maxDialogs: number }) {
    this.#maxDialogs = options.maxDialogs;
    const capacity = Math.min(INITIAL_CAPACITY, options.maxDialogs);
    this.#numbers = new Float64Array(capacity * STRIDE);
    this.#bytes = new Uint8Array(capacity * BYTE_STRIDE);
  }

  get size(): number {
    return this.#index.size;
  }

  /** The slot of a tracked dialog, or -1. */
  slotOf(id: string): number {
    return this.#index.get(id) ?? -1;
  }

  idAt(slot: number): string | undefined {
    return this.#ids[slot];
  }

  /** Track a dialog (replacing one with the same id); -1 when the table is full (Y4: it never grows without bound). */
  insert(id: string, entry: DialogEntry): number {
    const slot = this.#index.get(id) ?? this.#free.pop() ?? this.#ids.length;
    if (slot === this.#ids.length) {
      if (slot >= this.#maxDialogs) return -1;
      this.#ensureCapacity(slot + 1);
      this.#ids.push(id);
    } else {
      this.#ids[slot] = id;
    }
    this.#index.set(id, slot);
    const at = slot * STRIDE;
    const numbers = this.#numbers;
    numbers[at + OFFSET.createdAt] = entry.createdAt;
    numbers[at + OFFSET.refreshedAt] = entry.refreshedAt;
    numbers[at + OFFSET.expiresAt] = entry.expiresAt;
    numbers[at + OFFSET.notifiedAt] = 0;
    numbers[at + OFFSET.notifyDigest] = Number.NaN;
    numbers[at + OFFSET.paramsDigest] = entry.paramsDigest;
    numbers[at + OFFSET.watcherCSeq] = entry.watcherCSeq;
    numbers[at + OFFSET.notifierCSeq] = entry.notifierCSeq;
    this.#bytes[slot * BYTE_STRIDE] = entry.direction === 'outbound' ? FLAG_OUTBOUND : 0;
    this.#bytes[slot * BYTE_STRIDE + 1] = 0;
    return slot;
  }

  remove(id: string): boolean {
    const slot = this.#index.get(id);
    if (slot === undefined) return false;
    this.#index.delete(id);
    this.#ids[slot] = undefined;
    this.#free.push(slot);
    return true;
  }

  get(slot: number, field: NumberField): number {
    return this.#numbers[slot * STRIDE + OFFSET[field]]!;
  }

  set(slot: number, field: NumberField, value: number): void {
    this.#numbers[slot * STRIDE + OFFSET[field]] = value;
  }

  direction(slot: number): SubscriptionDirection {
    return (this.#bytes[slot * BYTE_STRIDE]! & FLAG_OUTBOUND) === 0 ? 'inbound' : 'outbound';
  }

  /** The last NOTIFY that crossed carried partial state (RFC 5263): the watcher may need a full refresh. */
  partialState(slot: number): boolean {
    return (this.#bytes[slot * BYTE_STRIDE]! & FLAG_PARTIAL_STATE) !== 0;
  }

  setPartialState(slot: number, partial: boolean): void {
    const i = slot * BYTE_STRIDE;
    this.#bytes[i] = partial ? this.#bytes[i]! | FLAG_PARTIAL_STATE : this.#bytes[i]! & ~FLAG_PARTIAL_STATE;
  }

  /** Consecutive early refreshes from a peer's watcher (P7 tolerance). */
  earlyRefreshes(slot: number): number {
    return this.#bytes[slot * BYTE_STRIDE + 1]!;
  }

  setEarlyRefreshes(slot: number, count: number): void {
    this.#bytes[slot * BYTE_STRIDE + 1] = Math.min(count, MAX_EARLY_REFRESHES);
  }

  /** Forget every dialog whose expiresAt is before `before`; how many went. */
  removeExpired(before: number): number {
    let removed = 0;
    for (let slot = 0; slot < this.#ids.length; slot++) {
      const id = this.#ids[slot];
      if (id !== undefined && this.get(slot, 'expiresAt') < before && this.remove(id)) removed++;
    }
    return removed;
  }

  /** Ids of tracked dialogs that `matches`, at most `limit`, in slot order. */
  select(matches: (slot: number) => boolean, limit: number): string[] {
    const found: string[] = [];
    for (let slot = 0; slot < this.#ids.length && found.length < limit; slot++) {
      const id = this.#ids[slot];
      if (id !== undefined && matches(slot)) found.push(id);
    }
    return found;
  }

  #ensureCapacity(slots: number): void {
    const capacity = this.#numbers.length / STRIDE;
    if (slots <= capacity) return;
    const grown = Math.min(Math.max(capacity * 2, slots), this.#maxDialogs);
    const numbers = new Float64Array(grown * STRIDE);
    numbers.set(this.#numbers);
    const bytes = new Uint8Array(grown * BYTE_STRIDE);
    bytes.set(this.#bytes);
    this.#numbers = numbers;
    this.#bytes = bytes;
  }
}

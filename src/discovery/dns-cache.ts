// Answers kept for as long as their TTL allows (D3): a positive answer for the smallest TTL of its
// records, a negative one (NXDOMAIN, or NOERROR without records) for the SOA-derived time of
// RFC 2308 §5. Bounded: when full, the oldest entry goes first, so a flood of names cannot grow it.

import type { Clock } from '../clock/clock.js';
import type { DnsRecord, RecordType } from './dns-records.js';

export interface DnsAnswer<R extends DnsRecord = DnsRecord> {
  readonly name: string;
  readonly type: RecordType;
  /** NOERROR with no records is RFC 2308's NODATA. */
  readonly rcode: 'NOERROR' | 'NXDOMAIN';
  /** The records of the type asked for, at the name or at the end of its CNAME chain. */
  readonly records: readonly R[];
  /** Seconds the answer may be kept, as received and capped by the configuration. */
  readonly ttl: number;
  /** Clock time (ms) at which it stops being valid. */
  readonly expiresAtMs: number;
  /** The resolver that gave it. */
  readonly server: string;
}

export interface DnsCacheOptions {
  readonly clock: Clock;
  readonly maxEntries: number;
}

export class DnsCache {
  readonly #options: DnsCacheOptions;
  readonly #entries = new Map<string, DnsAnswer>();

  constructor(options: DnsCacheOptions) {
    this.#options = options;
  }

  static key(name: string, type: RecordType): string {
    return `${type} ${name}`;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The answer, if one is kept and its TTL has not run out. */
  get(key: string): DnsAnswer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > this.#options.clock.now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  /** RFC 1035 §3.2.1: a TTL of zero means "use for this transaction only", so it is not kept. */
  set(key: string, answer: DnsAnswer): void {
    if (answer.ttl <= 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#options.maxEntries) this.#evictOne();
    this.#entries.set(key, answer);
  }

  clear(): void {
    this.#entries.clear();
  }

  #evictOne(): void {
    const now = this.#options.clock.now();
    // Expired entries first (a short scan from the oldest end), else the oldest live one.
    let scanned = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAtMs <= now) {
        this.#entries.delete(key);
        return;
      }
      if (++scanned >= 8) break;
    }
    const oldest = this.#entries.keys().next();
    if (!oldest.done) this.#entries.delete(oldest.value);
  }
}

// The DNS client discovery asks (D3): configured resolvers tried in turn with a timeout per attempt,
// a TTL cache in front (negative answers too, RFC 2308), and identical questions in flight shared,
// so a thousand requests for one uncached domain cost one query.

import type { Clock } from '../clock/clock.js';
import { DnsCache, type DnsAnswer } from './dns-cache.js';
import { DiscoveryError, isDiscoveryError } from './discovery-error.js';
import {
  canonicalName,
  type DnsRecord,
  type DnsResponse,
  type DnsServer,
  type RecordFor,
  type RecordType,
} from './dns-records.js';
import type { ResolutionTrace } from './resolution-trace.js';

export interface DnsQuestion {
  /** Lower case, without the trailing dot. */
  readonly name: string;
  readonly type: RecordType;
}

/** One attempt at one resolver; rejects with a DiscoveryError (DNS_TIMEOUT, DNS_FAILURE). */
export interface DnsTransport {
  exchange(question: DnsQuestion, server: DnsServer, timeoutMs: number): Promise<DnsResponse>;
}

export interface DnsClientOptions {
  readonly clock: Clock;
  readonly transport: DnsTransport;
  readonly servers: readonly DnsServer[];
  readonly timeoutMs: number;
  /** Attempts after the first, each to the next server in the list. */
  readonly retries: number;
  readonly maxEntries: number;
  readonly maxTtlSeconds: number;
  readonly maxNegativeTtlSeconds: number;
}

export interface DnsClientStats {
  /** Attempts sent to a resolver. */
  exchanges: number;
  cacheHits: number;
  /** Lookups that joined a query already in flight. */
  shared: number;
  /** Queries no resolver answered usefully (timeouts, SERVFAIL, REFUSED on every attempt). */
  failures: number;
}

export class DnsClient {
  readonly #options: DnsClientOptions;
  readonly #cache: DnsCache;
  readonly #inFlight = new Map<string, Promise<DnsAnswer>>();
  readonly stats: DnsClientStats = { exchanges: 0, cacheHits: 0, shared: 0, failures: 0 };

  constructor(options: DnsClientOptions) {
    if (options.servers.length === 0) throw new RangeError('a DNS client needs at least one resolver');
    this.#options = options;
    this.#cache = new DnsCache({ clock: options.clock, maxEntries: options.maxEntries });
  }

  /** The client's clock time (ms), against which answers expire. */
  now(): number {
    return this.#options.clock.now();
  }

  get cacheSize(): number {
    return this.#cache.size;
  }

  clearCache(): void {
    this.#cache.clear();
  }

  async query<T extends RecordType>(name: string, type: T, trace?: ResolutionTrace): Promise<DnsAnswer<RecordFor<T>>> {
    const question: DnsQuestion = { name: canonicalName(name), type };
    const key = DnsCache.key(question.name, type);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.stats.cacheHits++;
      trace?.query(cached, 'cache', this.#options.clock.now());
      return cached as DnsAnswer<RecordFor<T>>;
    }
    let pending = this.#inFlight.get(key);
    const shared = pending !== undefined;
    if (pending === undefined) {
      pending = this.#fetch(question, key).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    } else {
      this.stats.shared++;
    }
    try {
      const answer = await pending;
      trace?.query(answer, shared ? 'shared' : 'network', this.#options.clock.now());
      return answer as DnsAnswer<RecordFor<T>>;
    } catch (error) {
      trace?.queryFailed(question.name, type, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  async #fetch(question: DnsQuestion, key: string): Promise<DnsAnswer> {
    const { servers, retries, timeoutMs, transport } = this.#options;
    let lastError: DiscoveryError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      const server = servers[attempt % servers.length]!;
      this.stats.exchanges++;
      try {
        const response = await transport.exchange(question, server, timeoutMs);
        if (response.rcode === 'NOERROR' || response.rcode === 'NXDOMAIN') {
          const answer = this.#answer(question, response);
          this.#cache.set(key, answer);
          return answer;
        }
        // RFC 2308 §7.1: SERVFAIL and REFUSED say nothing about the name; ask the next resolver.
        lastError = new DiscoveryError(
          'DNS_FAILURE',
          `${question.type} ${question.name}: ${response.rcode} from ${response.server}`,
        );
      } catch (error) {
        lastError = isDiscoveryError(error)
          ? error
          : new DiscoveryError('DNS_FAILURE', String(error), { cause: error });
      }
    }
    this.stats.failures++;
    throw lastError ?? new DiscoveryError('DNS_FAILURE', `${question.type} ${question.name}: no attempt was made`);
  }

  #answer(question: DnsQuestion, response: DnsResponse): DnsAnswer {
    const names = chainNames(question.name, response.answers);
    const records = response.answers.filter((r) => r.type === question.type && names.has(r.name));
    const ttl =
      records.length > 0 && response.rcode === 'NOERROR'
        ? Math.min(this.#options.maxTtlSeconds, ...response.answers.filter((r) => names.has(r.name)).map((r) => r.ttl))
        : // RFC 2308 §5: without an SOA a negative answer is not cached at all.
          Math.min(this.#options.maxNegativeTtlSeconds, response.negativeTtl ?? 0);
    return Object.freeze({
      name: question.name,
      type: question.type,
      rcode: response.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'NOERROR',
      records: Object.freeze(response.rcode === 'NXDOMAIN' ? [] : records),
      ttl,
      expiresAtMs: this.#options.clock.now() + ttl * 1000,
      server: response.server,
    });
  }
}

/** The name asked for and every name its CNAME chain leads to (RFC 1034 §3.6.2). */
function chainNames(name: string, answers: readonly DnsRecord[]): Set<string> {
  const names = new Set([name]);
  for (let grew = true; grew;) {
    grew = false;
    for (const record of answers) {
      if (record.type === 'CNAME' && names.has(record.name) && !names.has(record.target)) {
        names.add(record.target);
        grew = true;
      }
    }
  }
  return names;
}

// Test helper: a DnsTransport that answers from an in-memory zone and counts what it was asked, so
// discovery unit tests need no socket. `hold()` keeps answers back until `release()`, to stage
// concurrent look-ups; `failNext` makes attempts time out or fail.

import type { DnsQuestion, DnsTransport } from '../../src/discovery/dns-client.js';
import { DiscoveryError } from '../../src/discovery/discovery-error.js';
import { formatServer, type DnsRecord, type DnsResponse, type DnsServer } from '../../src/discovery/dns-records.js';

export class FakeDnsTransport implements DnsTransport {
  readonly records: DnsRecord[] = [];
  /** Every question, with the resolver it went to. */
  readonly exchanges: Array<{ question: DnsQuestion; server: string }> = [];
  /** min(SOA TTL, MINIMUM) sent with negative answers; undefined sends no SOA. */
  negativeTtl: number | undefined = 60;
  /** Outcomes for the next attempts, in order: a response code, or a thrown error. */
  readonly failNext: Array<'timeout' | 'SERVFAIL' | 'REFUSED'> = [];
  #held: Array<() => void> | undefined;

  add(...records: DnsRecord[]): this {
    this.records.push(...records);
    return this;
  }

  /** Replaces every record of the name and type (a zone edit). */
  replace(name: string, type: DnsRecord['type'], ...records: DnsRecord[]): this {
    for (let i = this.records.length - 1; i >= 0; i--) {
      if (this.records[i]!.name === name && this.records[i]!.type === type) this.records.splice(i, 1);
    }
    return this.add(...records);
  }

  hold(): void {
    this.#held = [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const resume of held) resume();
  }

  async exchange(question: DnsQuestion, server: DnsServer): Promise<DnsResponse> {
    this.exchanges.push({ question, server: formatServer(server) });
    if (this.#held !== undefined) await new Promise<void>((resume) => this.#held!.push(resume));
    const failure = this.failNext.shift();
    if (failure === 'timeout')
      throw new DiscoveryError(
        'DNS_TIMEOUT',
        `${question.type} ${question.name}: no answer from ${formatServer(server)}`,
      );
    if (failure !== undefined)
      return { rcode: failure, answers: [], negativeTtl: undefined, server: formatServer(server) };
    const atName = this.records.filter((r) => r.name === question.name);
    const answers = atName.filter((r) => r.type === question.type || r.type === 'CNAME');
    for (const cname of answers.filter((r) => r.type === 'CNAME')) {
      answers.push(
        ...this.records.filter((r) => r.name === (cname as { target: string }).target && r.type === question.type),
      );
    }
    return {
      rcode: atName.length === 0 ? 'NXDOMAIN' : 'NOERROR',
      answers,
      negativeTtl: this.negativeTtl,
      server: formatServer(server),
    };
  }

  /** How many exchanges asked this question. */
  count(name: string, type: string): number {
    return this.exchanges.filter((e) => e.question.name === name && e.question.type === type).length;
  }
}

export function naptr(
  name: string,
  order: number,
  preference: number,
  flags: string,
  services: string,
  regexp: string,
  replacement = '',
  ttl = 300,
): DnsRecord {
  return { type: 'NAPTR', name, ttl, order, preference, flags, services, regexp, replacement };
}

export function srv(
  name: string,
  priority: number,
  weight: number,
  port: number,
  target: string,
  ttl = 300,
): DnsRecord {
  return { type: 'SRV', name, ttl, priority, weight, port, target };
}

export function a(name: string, address: string, ttl = 300): DnsRecord {
  return { type: 'A', name, ttl, address };
}

export function aaaa(name: string, address: string, ttl = 300): DnsRecord {
  return { type: 'AAAA', name, ttl, address };
}

export function txt(name: string, text: string, ttl = 300): DnsRecord {
  return { type: 'TXT', name, ttl, strings: [text] };
}

export function cname(name: string, target: string, ttl = 300): DnsRecord {
  return { type: 'CNAME', name, ttl, target };
}

/** A seeded generator (mulberry32), so weighted-random tests are repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

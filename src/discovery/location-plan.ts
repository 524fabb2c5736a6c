// The DNS half of RFC 3263 §4: NAPTR, then SRV, then A/AAAA, with the fallbacks of §4.1 and §4.2,
// collected into a plan — groups of (transport, SRV priority and weight, port, addresses) — that
// stays valid until the first of its answers expires. The locator keeps plans, so a cached
// resolution redoes only the RFC 2782 weighted draw and the back-off ordering, not the DNS walk.

import { isIP } from 'node:net';
import type { DnsClient } from './dns-client.js';
import type { DnsAnswer } from './dns-cache.js';
import { formatRecordData, type RecordFor, type RecordType } from './dns-records.js';
import { isDiscoveryError, type DiscoveryError } from './discovery-error.js';
import { chooseSipNaptrRecords, type PeerTransport } from './naptr-order.js';
import type { ResolutionTrace } from './resolution-trace.js';

export type AddressFamily = 'ipv4' | 'ipv6';

/** One SRV target (or the host itself when there is no SRV) and its addresses, over one transport. */
export interface PlanEntry {
  readonly transport: PeerTransport;
  readonly priority: number;
  readonly weight: number;
  readonly target: string;
  readonly port: number;
  readonly addresses: readonly string[];
  /** False for the host itself, reached without SRV (§4.2). */
  readonly fromSrv: boolean;
}

/** Entries ordered together (one SRV record set, RFC 2782); groups are tried one after another. */
export type PlanGroup = readonly PlanEntry[];

export interface LocationPlan {
  readonly groups: readonly PlanGroup[];
  /** The earliest expiry among the answers the plan was built from. */
  readonly expiresAtMs: number;
  /** The first DNS failure met on the way; a plan with one is not kept. */
  readonly failure: DiscoveryError | undefined;
  /** Some (transport, address, port) appears twice, so target lists need de-duplicating. */
  readonly repeats: boolean;
}

/** RFC 3261 §19.1.2 default ports; RFC 3263 §4.1 SRV prefixes per transport. */
export const DEFAULT_PORT: Readonly<Record<PeerTransport, number>> = { tls: 5061, tcp: 5060, udp: 5060 };
export const SRV_PREFIX: Readonly<Record<PeerTransport, string>> = {
  tls: '_sips._tcp',
  tcp: '_sip._tcp',
  udp: '_sip._udp',
};

export interface PlanRequest {
  readonly host: string;
  readonly transports: readonly PeerTransport[];
  readonly port?: number;
  /** The URI named its transport: straight to that SRV name (§4.1). */
  readonly transportGiven: boolean;
}

interface Walk {
  readonly trace: ResolutionTrace | undefined;
  expiresAtMs: number;
  failure: DiscoveryError | undefined;
}

export class LocationPlanner {
  readonly #dns: DnsClient;
  readonly #families: readonly AddressFamily[];

  constructor(options: { readonly dns: DnsClient; readonly addressFamilies: readonly AddressFamily[] }) {
    this.#dns = options.dns;
    this.#families = options.addressFamilies;
  }

  async forHost(request: PlanRequest, trace: ResolutionTrace | undefined): Promise<LocationPlan> {
    const walk: Walk = { trace, expiresAtMs: Number.POSITIVE_INFINITY, failure: undefined };
    const { host, transports, port } = request;
    let groups: PlanGroup[];
    if (port !== undefined) {
      // §4.2: an explicit port means no NAPTR and no SRV, only the address records.
      groups = await this.#byAddress(host, transports, port, walk);
    } else if (request.transportGiven) {
      groups = await this.#bySrv(host, transports, walk);
    } else {
      groups = await this.#byNaptr(host, transports, walk);
    }
    return { groups, expiresAtMs: walk.expiresAtMs, failure: walk.failure, repeats: hasRepeats(groups) };
  }

  /** An explicit SRV name (RFC 3861's _im._sip.<domain>), each target over every allowed transport. */
  async forSrvName(
    name: string,
    transports: readonly PeerTransport[],
    trace: ResolutionTrace | undefined,
  ): Promise<LocationPlan> {
    const walk: Walk = { trace, expiresAtMs: Number.POSITIVE_INFINITY, failure: undefined };
    const entries = await this.#srvEntries(name, walk);
    const groups = entries.length === 0 ? [] : transports.map((transport) => entries.map((e) => ({ ...e, transport })));
    return { groups, expiresAtMs: walk.expiresAtMs, failure: walk.failure, repeats: hasRepeats(groups) };
  }

  /** §4.1: NAPTR first; without a usable record, SRV for each transport; then §4.2 address records. */
  async #byNaptr(host: string, transports: readonly PeerTransport[], walk: Walk): Promise<PlanGroup[]> {
    const answer = await this.#query(host, 'NAPTR', walk);
    const choices = chooseSipNaptrRecords(answer?.records ?? [], transports);
    if (choices.length === 0) {
      walk.trace?.decision(
        `no usable NAPTR record: SRV for ${transports.map((t) => `${SRV_PREFIX[t]}.${host}`).join(', ')}`,
      );
      return this.#bySrv(host, transports, walk);
    }
    const groups: PlanGroup[] = [];
    for (const { record, transport } of choices) {
      walk.trace?.decision(`NAPTR ${formatRecordData(record)} → ${transport} via SRV ${record.replacement}`);
      const group = await this.#srvGroup(record.replacement, transport, walk);
      if (group.length > 0) groups.push(group);
    }
    if (groups.length > 0) return groups;
    walk.trace?.decision('the NAPTR records led to no address: SRV, then address records, as if there were none');
    return this.#bySrv(host, transports, walk);
  }

  async #bySrv(host: string, transports: readonly PeerTransport[], walk: Walk): Promise<PlanGroup[]> {
    const groups = (
      await Promise.all(transports.map((t) => this.#srvGroup(`${SRV_PREFIX[t]}.${host}`, t, walk)))
    ).filter((g) => g.length > 0);
    if (groups.length > 0) return groups;
    walk.trace?.decision(`no SRV records: address records of ${host} on the default ports (RFC 3263 §4.2)`);
    return (await Promise.all(transports.map((t) => this.#byAddress(host, [t], DEFAULT_PORT[t], walk)))).flat();
  }

  /** One SRV record set over one transport. */
  async #srvGroup(name: string, transport: PeerTransport, walk: Walk): Promise<PlanEntry[]> {
    return (await this.#srvEntries(name, walk)).map((e) => ({ ...e, transport }));
  }

  /** The records of one SRV name with their addresses; records whose target has none are left out. */
  async #srvEntries(name: string, walk: Walk): Promise<Array<Omit<PlanEntry, 'transport'>>> {
    const answer = await this.#query(name, 'SRV', walk);
    const records = (answer?.records ?? []).filter((r) => r.target !== '');
    const entries = await Promise.all(
      records.map(async (r) => ({
        priority: r.priority,
        weight: r.weight,
        target: r.target,
        port: r.port,
        addresses: await this.#addresses(r.target, walk),
        fromSrv: true,
      })),
    );
    return entries.filter((e) => e.addresses.length > 0);
  }

  async #byAddress(host: string, transports: readonly PeerTransport[], port: number, walk: Walk): Promise<PlanGroup[]> {
    const addresses = await this.#addresses(host, walk);
    if (addresses.length === 0) return [];
    return transports.map((transport) => [
      { transport, priority: 0, weight: 0, target: host, port, addresses, fromSrv: false },
    ]);
  }

  async #addresses(host: string, walk: Walk): Promise<string[]> {
    if (isIP(host) !== 0) return [host];
    const perFamily = await Promise.all(
      this.#families.map(async (family) => {
        const answer = await this.#query(host, family === 'ipv4' ? 'A' : 'AAAA', walk);
        return (answer?.records ?? []).map((r) => r.address);
      }),
    );
    return perFamily.flat();
  }

  /** A failed lookup is remembered and treated as empty, so the other branches still get their turn. */
  async #query<T extends RecordType>(name: string, type: T, walk: Walk): Promise<DnsAnswer<RecordFor<T>> | undefined> {
    try {
      const answer = await this.#dns.query(name, type, walk.trace);
      if (answer.expiresAtMs < walk.expiresAtMs) walk.expiresAtMs = answer.expiresAtMs;
      return answer;
    } catch (error) {
      if (!isDiscoveryError(error)) throw error;
      walk.failure ??= error;
      return undefined;
    }
  }
}

function hasRepeats(groups: readonly PlanGroup[]): boolean {
  const seen = new Set<string>();
  for (const entry of groups.flat()) {
    for (const address of entry.addresses) {
      const key = `${entry.transport} ${address} ${entry.port}`;
      if (seen.has(key)) return true;
      seen.add(key);
    }
  }
  return false;
}

// RFC 3263 §4: a SIP URI's host to an ordered list of (transport, address, port) targets. The DNS
// walk (location-plan.ts) is kept as a plan until its first answer expires; each look-up draws the
// RFC 2782 weighted order afresh and puts targets that failed recently last (D2). The proxy walks
// the list on connect error, timeout or 503.

import { isIP } from 'node:net';
import type { DnsClient } from './dns-client.js';
import { DiscoveryError } from './discovery-error.js';
import {
  DEFAULT_PORT,
  LocationPlanner,
  type AddressFamily,
  type LocationPlan,
  type PlanGroup,
} from './location-plan.js';
import type { PeerTransport } from './naptr-order.js';
import type { ResolutionTrace } from './resolution-trace.js';
import { orderSrvRecords, type RandomSource } from './srv-selection.js';
import type { TargetBackoff } from './target-backoff.js';

export type { AddressFamily } from './location-plan.js';

export interface LocatedTarget {
  readonly protocol: PeerTransport;
  /** An IP literal, IPv6 without brackets. */
  readonly address: string;
  readonly port: number;
  /** The domain a TLS certificate must cover: the URI's host, never the SRV target (RFC 5922 §4). */
  readonly servername: string;
}

export interface LocateRequest {
  readonly host: string;
  readonly port?: number;
  /** The URI's transport parameter, if any. */
  readonly transport?: PeerTransport;
  /** A sips: URI: TLS only (RFC 3263 §4.1). */
  readonly secure: boolean;
}

export interface SipLocatorOptions {
  readonly dns: DnsClient;
  readonly backoff: TargetBackoff;
  readonly transports: readonly PeerTransport[];
  readonly addressFamilies: readonly AddressFamily[];
  readonly maxTargets: number;
  readonly random?: RandomSource;
  /** How many plans are kept; the oldest goes first. */
  readonly maxPlans?: number;
}

const DEFAULT_MAX_PLANS = 10_000;

export class SipLocator {
  readonly #options: SipLocatorOptions;
  readonly #planner: LocationPlanner;
  readonly #plans = new Map<string, LocationPlan>();

  constructor(options: SipLocatorOptions) {
    this.#options = options;
    this.#planner = new LocationPlanner({ dns: options.dns, addressFamilies: options.addressFamilies });
  }

  async locate(request: LocateRequest, trace?: ResolutionTrace): Promise<LocatedTarget[]> {
    const host = request.host.toLowerCase().replace(/^\[|\]$/g, '');
    const transports = this.#transportsFor(request);
    trace?.stage(
      `RFC 3263 for ${host}${request.port === undefined ? '' : `:${request.port}`} (transports ${transports.join(', ')})`,
    );
    if (isIP(host) !== 0) {
      return this.#arrange(
        withoutRepeats(
          transports.map((t) => ({
            protocol: t,
            address: host,
            port: request.port ?? DEFAULT_PORT[t],
            servername: host,
          })),
        ),
        trace,
      );
    }
    const key = `${host} ${request.port ?? ''} ${request.transport === undefined ? '' : 'given'} ${transports.join(',')}`;
    const plan =
      this.#keptPlan(key, trace) ??
      this.#keep(
        key,
        await this.#planner.forHost(
          {
            host,
            transports,
            transportGiven: request.transport !== undefined,
            ...(request.port === undefined ? {} : { port: request.port }),
          },
          trace,
        ),
      );
    const targets = this.#targets(plan, host, trace);
    if (targets.length > 0) return this.#arrange(plan.repeats ? withoutRepeats(targets) : targets, trace);
    if (plan.failure !== undefined) throw plan.failure;
    throw new DiscoveryError('NOT_FOUND', `no SIP server found for ${host}: no NAPTR, SRV or address records`);
  }

  /**
   * SRV at an explicit name (RFC 3861's _im._sip.<domain>), each target reached over the allowed
   * transports in order of preference, since the SRV name does not say which one it speaks; an
   * empty list when the name has no SRV records.
   */
  async locateSrv(srvName: string, servername: string, trace?: ResolutionTrace): Promise<LocatedTarget[]> {
    const transports = this.#options.transports;
    const key = `srv ${srvName} ${transports.join(',')}`;
    const plan =
      this.#keptPlan(key, trace) ?? this.#keep(key, await this.#planner.forSrvName(srvName, transports, trace));
    const targets = this.#targets(plan, servername, trace);
    if (targets.length === 0 && plan.failure !== undefined) throw plan.failure;
    return this.#arrange(plan.repeats ? withoutRepeats(targets) : targets, trace);
  }

  /** Forgets every plan (the DNS cache keeps its answers). */
  clearPlans(): void {
    this.#plans.clear();
  }

  /** A kept plan while it is valid; a traced look-up always walks DNS, so every step is shown. */
  #keptPlan(key: string, trace: ResolutionTrace | undefined): LocationPlan | undefined {
    if (trace !== undefined) return undefined;
    const kept = this.#plans.get(key);
    return kept !== undefined && kept.expiresAtMs > this.#options.dns.now() ? kept : undefined;
  }

  #keep(key: string, plan: LocationPlan): LocationPlan {
    if (plan.failure === undefined && plan.groups.length > 0) {
      this.#plans.delete(key);
      if (this.#plans.size >= (this.#options.maxPlans ?? DEFAULT_MAX_PLANS))
        this.#plans.delete(this.#plans.keys().next().value!);
      this.#plans.set(key, plan);
    }
    return plan;
  }

  #transportsFor(request: LocateRequest): PeerTransport[] {
    const allowed = this.#options.transports;
    const wanted = request.secure ? ['tls'] : request.transport === undefined ? allowed : [request.transport];
    const usable = allowed.filter((t) => wanted.includes(t));
    if (usable.length === 0) {
      throw new DiscoveryError(
        'NOT_FOUND',
        `${request.secure ? 'sips: needs TLS' : `transport=${request.transport ?? ''}`}, which discovery.transports does not allow`,
      );
    }
    return usable;
  }

  #targets(plan: LocationPlan, servername: string, trace: ResolutionTrace | undefined): LocatedTarget[] {
    const targets: LocatedTarget[] = [];
    for (const group of plan.groups) {
      const ordered = group.length > 1 ? orderSrvRecords(group, this.#options.random) : group;
      if (group.length > 1 && group[0]?.fromSrv === true)
        trace?.decision(
          `${group[0].transport} SRV order (priority, then weighted random, RFC 2782): ${describe(ordered)}`,
        );
      for (const entry of ordered) {
        for (const address of entry.addresses)
          targets.push({ protocol: entry.transport, address, port: entry.port, servername });
      }
    }
    return targets;
  }

  #arrange(targets: LocatedTarget[], trace: ResolutionTrace | undefined): LocatedTarget[] {
    const arranged = this.#options.backoff.arrange(targets);
    if (arranged !== targets) trace?.decision('targets that failed recently moved to the end (back-off, D2)');
    return arranged.length > this.#options.maxTargets ? arranged.slice(0, this.#options.maxTargets) : arranged;
  }
}

function describe(group: PlanGroup): string {
  return group.map((e) => `${e.target}:${e.port} (priority ${e.priority}, weight ${e.weight})`).join(', ');
}

function withoutRepeats(targets: LocatedTarget[]): LocatedTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.protocol} ${t.address} ${t.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

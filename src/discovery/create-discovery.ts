// Builds the discovery layer from the configuration's `discovery` section: one DNS client (cache and
// in-flight sharing for the whole process), the RFC 3263 locator with its back-off memory, the ENUM
// resolver, the destination resolver the router uses, and MIMI when it is switched on.

import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import type { Clock } from '../clock/clock.js';
import type { DiscoveryConfig } from '../config/discovery-schema.js';
import { parseHostPort } from '../config/host-port.js';
import { DestinationResolver } from './destination-resolver.js';
import { DnsClient, type DnsTransport } from './dns-client.js';
import type { DnsServer, TextRecordType } from './dns-records.js';
import { EnumResolver } from './enum-resolver.js';
import { MimiResolver } from './mimi-resolver.js';
import { SipLocator } from './sip-locator.js';
import { SocketDnsTransport } from './socket-dns-transport.js';
import type { RandomSource } from './srv-selection.js';
import { TargetBackoff } from './target-backoff.js';

export interface Discovery {
  readonly dns: DnsClient;
  readonly locator: SipLocator;
  readonly enumResolver: EnumResolver;
  readonly destinations: DestinationResolver;
  /** Undefined unless discovery.mimi.enabled. */
  readonly mimi: MimiResolver | undefined;
  readonly backoff: TargetBackoff;
  readonly servers: readonly DnsServer[];
  /** Forgets every DNS answer, location plan and ENUM outcome (not the back-off memory). */
  clearCaches(): void;
}

export interface DiscoveryDependencies {
  readonly clock: Clock;
  /** Defaults to UDP with TCP on truncation; tests pass a fake. */
  readonly transport?: DnsTransport;
  /** For SRV weighted selection; defaults to Math.random. */
  readonly random?: RandomSource;
  /** The system's resolvers, for an empty discovery.resolvers; defaults to node:dns getServers(). */
  readonly systemServers?: () => string[];
}

export function createDiscovery(config: DiscoveryConfig, deps: DiscoveryDependencies): Discovery {
  const servers =
    config.resolvers.length > 0
      ? config.resolvers.map(configuredServer)
      : (deps.systemServers ?? getServers)().map(systemServer);
  const dns = new DnsClient({
    clock: deps.clock,
    transport:
      deps.transport ?? new SocketDnsTransport({ clock: deps.clock, ednsUdpPayloadBytes: config.ednsUdpPayloadBytes }),
    servers,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    maxEntries: config.cache.maxEntries,
    maxTtlSeconds: config.cache.maxTtlSeconds,
    maxNegativeTtlSeconds: config.cache.maxNegativeTtlSeconds,
  });
  const backoff = new TargetBackoff({ clock: deps.clock, backoffMs: config.failureBackoffMs });
  const locator = new SipLocator({
    dns,
    backoff,
    transports: config.transports,
    addressFamilies: config.addressFamilies,
    maxTargets: config.maxTargets,
    ...(deps.random === undefined ? {} : { random: deps.random }),
  });
  const enumResolver = new EnumResolver({
    dns,
    suffixes: config.enum.suffixes,
    maxChainDepth: config.enum.maxChainDepth,
  });
  const mimi = config.mimi.enabled
    ? new MimiResolver({
        dns,
        recordName: config.mimi.recordName,
        recordType: config.mimi.recordType as TextRecordType,
        mimixName: config.mimi.mimixName,
        mimixType: config.mimi.mimixType as TextRecordType,
        services: config.mimi.services,
        enumSuffixes: config.enum.suffixes,
      })
    : undefined;
  const destinations = new DestinationResolver({ enumResolver, locator, now: () => dns.now() });
  const clearCaches = (): void => {
    dns.clearCache();
    locator.clearPlans();
    destinations.clear();
  };
  return { dns, locator, enumResolver, destinations, mimi, backoff, servers, clearCaches };
}

function configuredServer(text: string): DnsServer {
  const parsed = parseHostPort(text);
  if (!parsed.ok) throw new RangeError(`resolver ${text}: ${parsed.problem}`);
  return { address: parsed.host, port: parsed.port };
}

/** node:dns writes "192.0.2.1", "192.0.2.1:5353", "2001:db8::1" or "[2001:db8::1]:5353". */
export function systemServer(text: string): DnsServer {
  if (isIP(text) !== 0) return { address: text, port: 53 };
  const parsed = parseHostPort(text);
  if (parsed.ok) return { address: parsed.host, port: parsed.port };
  throw new RangeError(`the system resolver "${text}" is not an address`);
}

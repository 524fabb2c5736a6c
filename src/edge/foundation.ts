// The parts every other part leans on, built before anything listens: the clock, the log, metrics,
// the audit sink, D3's DNS client, D1's peer directory and G2's policy-document fetcher.

import type { Clock } from '../clock/clock.js';
import { TimerWheel } from '../clock/timer-wheel.js';
import type { EdgeConfig } from '../config/config-schema.js';
import { createDiscovery, type Discovery } from '../discovery/create-discovery.js';
import type { DnsTransport } from '../discovery/dns-client.js';
import { createHostLookup } from '../discovery/host-lookup.js';
import { PolicyDocumentFetcher } from '../discovery/policy-document-fetcher.js';
import { createAuditLog, type AuditLog } from '../observability/audit-log.js';
import { EdgeMetrics } from '../observability/edge-metrics.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { PeerDirectory } from '../peers/peer-directory.js';
import type { EdgeOptions } from './edge-types.js';

export interface Foundation {
  readonly config: EdgeConfig;
  readonly log: Logger;
  readonly clock: Clock;
  /** The wheel the edge runs itself, started on listen and stopped on stop; undefined when given a clock. */
  readonly ownWheel: TimerWheel | undefined;
  readonly metrics: EdgeMetrics;
  readonly audit: AuditLog | undefined;
  /** Wall-clock milliseconds for stored times. */
  readonly now: () => number;
  readonly discovery: Discovery;
  /** F4, D1, G1: who may hold connections with us, how many, with which keys; judged per handshake. */
  readonly peerDirectory: PeerDirectory;
  /** G2: a peer's policy document, fetched when it first connects and kept fresh while it does. */
  readonly policyDocuments: PolicyDocumentFetcher;
}

/** A virtual edge's DNS when none is given: no server answers, and no socket is opened to ask. */
const NO_DNS: DnsTransport = {
  exchange: (question) => Promise.reject(new Error(`no DNS on a virtual network (asked for ${question.name})`)),
};

export function createFoundation(options: EdgeOptions): Foundation {
  const { config } = options;
  const log = options.logger ?? silentLogger();
  const clock = options.clock ?? new TimerWheel({ onError: (error) => log.error({ err: error }, 'a timer failed') });
  const ownWheel = options.clock === undefined && clock instanceof TimerWheel ? clock : undefined;
  // D3: one DNS client (discovery.resolvers, cache, timeouts) for every look-up the border makes.
  const dnsTransport = options.dnsTransport ?? (options.network === 'virtual' ? NO_DNS : undefined);
  const discovery = createDiscovery(config.discovery, {
    clock,
    ...(dnsTransport === undefined ? {} : { transport: dnsTransport }),
  });
  // G2: the document's host is resolved like a peer's, through discovery's DNS client.
  const policyDocuments = new PolicyDocumentFetcher({
    config: config.policyDocument,
    log,
    lookup: createHostLookup({ dns: discovery.dns, addressFamilies: config.discovery.addressFamilies }),
    ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
  });
  return {
    config,
    log,
    clock,
    ownWheel,
    metrics: new EdgeMetrics(),
    audit: createAuditLog(config.audit),
    now: options.wallClock ?? Date.now,
    discovery,
    peerDirectory: new PeerDirectory(config),
    policyDocuments,
  };
}

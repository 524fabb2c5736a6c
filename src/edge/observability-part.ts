// O3: what the admin listener serves and what a scrape reads, wired to the running parts.

import { X509Certificate } from 'node:crypto';
import type { AdminBackend } from '../admin/admin-backend.js';
import { createEdgeAdminBackend } from '../admin/edge-admin-backend.js';
import type { EdgeConfig } from '../config/config-schema.js';
import type { PeerLimits } from '../policy/border-policy.js';
import type { RemovalReport } from '../policy/subscriptions/subscription-supervisor.js';
import type { StateStore } from '../state/state-store.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { TlsOptions } from '../transport/transport-options.js';
import type { Foundation } from './foundation.js';
import type { NetworkPart } from './network-part.js';

export interface ObservedParts {
  readonly base: Foundation;
  readonly network: NetworkPart;
  readonly store: StateStore;
  readonly transactions: TransactionLayer;
  readonly tls: TlsOptions | undefined;
  /** The edge's state as readiness reports it (O5). */
  readonly config: () => EdgeConfig;
  readonly listening: () => boolean;
  readonly draining: () => boolean;
  readonly policyDocument: () => string;
  readonly limitsFor: (peer: string) => PeerLimits;
  readonly removeUser: (address: string) => Promise<RemovalReport>;
}

export function createAdminBackend(parts: ObservedParts): AdminBackend {
  const { base } = parts;
  return createEdgeAdminBackend({
    config: parts.config,
    metrics: base.metrics,
    log: base.log,
    store: parts.store,
    flows: parts.network.flows,
    limitsFor: parts.limitsFor,
    removeUser: parts.removeUser,
    listening: parts.listening,
    draining: parts.draining,
    policyDocument: parts.policyDocument,
    peerPolicies: () => base.policyDocuments.entries(),
  });
}

/** The scrape-time metrics: read from the parts when Prometheus asks, never pushed per event. */
export function observeParts(parts: ObservedParts): void {
  const { base, network, transactions, store } = parts;
  const { transport } = network;
  const flows = (): Array<{ side: string; protocol: string; peer: string; expires?: number }> =>
    [...network.flows.flows].map((f) => ({
      side: f.side,
      protocol: f.protocol,
      peer: f.peerIdentity?.[0] ?? '-',
      ...(f.peerCertificateExpiresAt === undefined ? {} : { expires: f.peerCertificateExpiresAt }),
    }));
  base.metrics.observe({
    transactions: () => transactions.size,
    flows: () => flows().map(({ side, protocol, peer }) => ({ side, protocol, peer })),
    transportStats: () => transport.stats,
    connectionsStarting: () => ({
      handshakes: transport.gauges.handshakesInProgress,
      dials: transport.gauges.dialsInProgress,
    }),
    dnsStats: () => base.discovery.dns.stats,
    certificates: () => localCertificates(base.config, parts.tls),
    peerCertificates: () =>
      flows().flatMap((f) =>
        f.expires === undefined || f.peer === '-' ? [] : [{ domain: f.peer, validToMs: f.expires }],
      ),
    storeLatencySeconds: () => timedPing(store),
  });
}

/** The edge's own certificates (one per served domain, F3), for the expiry gauge (O3). */
function localCertificates(
  config: EdgeConfig,
  tls: TlsOptions | undefined,
): Array<{ domain: string; validToMs: number }> {
  if (tls === undefined) return [];
  const certificates = tls.certificates ?? [{ domain: config.domains[0] ?? '-', cert: tls.cert }];
  return certificates.flatMap(({ domain, cert }) => {
    try {
      return [{ domain, validToMs: Date.parse(new X509Certificate(cert).validTo) }];
    } catch {
      return [];
    }
  });
}

async function timedPing(store: StateStore): Promise<number | undefined> {
  const started = performance.now();
  try {
    await store.ping();
    return (performance.now() - started) / 1000;
  } catch {
    return undefined;
  }
}

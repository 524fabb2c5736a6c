// The AdminBackend of a running edge: the store for the 604 cache and tombstones, the subscription
// supervisor for user removal (X3), the transport for flows, the limit table for peers. Built by the
// composition root once the edge listens.

import type { EdgeConfig } from '../config/config-schema.js';
import type { EdgeMetrics } from '../observability/edge-metrics.js';
import type { Logger } from '../observability/logger.js';
import type { PeerLimits } from '../policy/border-policy.js';
import type { StateStore } from '../state/state-store.js';
import type { Flow } from '../transport/flow.js';
import type { PeerPolicyEntry } from '../discovery/policy-document-fetcher.js';
import type { AdminBackend, FlowSummary, PeerSummary, ReadinessCheck, RemovalSummary } from './admin-backend.js';

export interface EdgeAdminParts {
  /** The configuration in force (it changes on reload). */
  config(): EdgeConfig;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
  readonly store: StateStore;
  readonly flows: { readonly flows: Iterable<Flow>; findFlow(id: string): Flow | undefined };
  limitsFor(peer: string): PeerLimits;
  removeUser(address: string): Promise<RemovalSummary>;
  /** Every configured listener bound and the edge not stopping. */
  listening(): boolean;
  /** O5: the edge is draining before it stops (readiness says so). */
  draining?(): boolean;
  /** G2: ours, as XML, and the peers' as fetched. */
  policyDocument(): string;
  peerPolicies(): readonly PeerPolicyEntry[];
}

export function createEdgeAdminBackend(parts: EdgeAdminParts): AdminBackend {
  const { config, metrics, log, store } = parts;
  return {
    store,
    get servedDomains(): readonly string[] {
      return config().domains;
    },
    get tombstoneSeconds(): number {
      return config().policy.limits.tombstoneSeconds;
    },
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    readiness: () => readiness(parts),
    removeUser: (address) => parts.removeUser(address),
    flows: () => [...parts.flows.flows].map(summariseFlow),
    closeFlow: (id) => {
      const flow = parts.flows.findFlow(id);
      if (flow === undefined || !flow.isOpen) return false;
      log.info({ flow: id }, 'flow closed by the admin API');
      flow.close('closed by the admin API');
      return true;
    },
    peers: () => peers(parts),
    policyDocument: () => parts.policyDocument(),
    get logLevel(): string {
      return log.level;
    },
    set logLevel(level: string) {
      log.info({ from: log.level, to: level }, 'log level changed by the admin API');
      log.level = level;
    },
  };
}

async function readiness(parts: EdgeAdminParts): Promise<ReadinessCheck[]> {
  const draining = parts.draining?.() === true;
  const checks: ReadinessCheck[] = [
    {
      name: 'listeners',
      ok: parts.listening(),
      ...(draining ? { detail: 'draining: the edge is shutting down' } : {}),
    },
  ];
  try {
    await parts.store.ping();
    checks.push({ name: 'store', ok: true });
  } catch (error) {
    checks.push({ name: 'store', ok: false, detail: error instanceof Error ? error.message : String(error) });
  }
  return checks;
}

function summariseFlow(flow: Flow): FlowSummary {
  return {
    id: flow.id,
    side: flow.side,
    protocol: flow.protocol,
    local: endpoint(flow.local),
    remote: endpoint(flow.remote),
    peerIdentity: flow.peerIdentity ?? [],
  };
}

/** Peers with an agreement, and every peer domain an open flow is authenticated for. */
function peers(parts: EdgeAdminParts): PeerSummary[] {
  const flowsByPeer = new Map<string, string[]>();
  const agreements = parts.config().agreements;
  for (const agreement of agreements) flowsByPeer.set(agreement.peer.toLowerCase(), []);
  const policies = new Map(parts.peerPolicies().map((entry) => [entry.peer, entry]));
  for (const peer of policies.keys()) if (!flowsByPeer.has(peer)) flowsByPeer.set(peer, []);
  for (const flow of parts.flows.flows) {
    if (flow.side !== 'external') continue;
    for (const domain of flow.peerIdentity ?? []) {
      const ids = flowsByPeer.get(domain) ?? [];
      ids.push(flow.id);
      flowsByPeer.set(domain, ids);
    }
  }
  return [...flowsByPeer]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([domain, flows]) => {
      const { limits, discovered } = parts.limitsFor(domain);
      return {
        domain,
        agreement: !discovered && agreements.some((a) => a.peer.toLowerCase() === domain),
        state: flows.length > 0 ? 'connected' : 'idle',
        limits,
        flows,
        policyDocument: policySummary(policies.get(domain)),
      };
    });
}

function policySummary(entry: PeerPolicyEntry | undefined): PeerSummary['policyDocument'] {
  if (entry === undefined) return null;
  return {
    url: entry.url,
    ...(entry.document === undefined ? {} : { version: entry.document.version, document: entry.document }),
    ...(entry.fetchedAt === undefined ? {} : { fetchedAt: new Date(entry.fetchedAt).toISOString() }),
    ...(entry.problem === undefined ? {} : { problem: entry.problem }),
  };
}

function endpoint(e: { address: string; port: number }): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

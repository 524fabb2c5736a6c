// createEdge(): the composition root. Transport hands parsed messages to the transaction layer, the
// transaction layer hands new requests to the proxy core, the proxy core asks the router where they go.

import { X509Certificate } from 'node:crypto';
import type { AdminBackend } from './admin/admin-backend.js';
import { createEdgeAdminBackend } from './admin/edge-admin-backend.js';
import type { Clock } from './clock/clock.js';
import { TimerWheel } from './clock/timer-wheel.js';
import type { EdgeConfig } from './config/config-schema.js';
import { isEdgeError } from './errors.js';
import { formatPolicyDocument, policyDocumentOf } from './config/policy-document.js';
import { createDiscovery } from './discovery/create-discovery.js';
import { createHostLookup } from './discovery/host-lookup.js';
import { PolicyDocumentFetcher } from './discovery/policy-document-fetcher.js';
import { createAuditLog } from './observability/audit-log.js';
import { EdgeMetrics } from './observability/edge-metrics.js';
import { silentLogger, type Logger } from './observability/logger.js';
import { InDialogSender } from './proxy/in-dialog-sender.js';
import { ImplicitAuthority } from './proxy/implicit-authority.js';
import { LocalAddresses } from './proxy/local-addresses.js';
import { ProxyCore } from './proxy/proxy-core.js';
import { TopologyHiding } from './proxy/topology-hiding.js';
import { ResponseDispatcher } from './proxy/response-dispatcher.js';
import { warning } from './proxy/validate-request.js';
import { PeerAgent } from './peers/peer-agent.js';
import { PeerDirectory } from './peers/peer-directory.js';
import { PeerFlowTable } from './peers/peer-flow-table.js';
import { BorderPolicy } from './policy/border-policy.js';
import { DEFAULT_CHAINS } from './policy/chains.js';
import { createCommunityFacts } from './policy/community-facts.js';
import { PeerLimitTable } from './policy/peer-limits.js';
import { SubscriptionSupervisor, type RemovalReport } from './policy/subscriptions/subscription-supervisor.js';
import { parseAddress } from './sip/address-of-record.js';
import { VOLATILE_KEY_PREFIXES } from './state/store-keys.js';
import { SubscriptionTracker } from './policy/subscriptions/subscription-tracker.js';
import type { Router } from './routing/route-types.js';
import { createStateStore } from './state/create-state-store.js';
import type { StateStore } from './state/state-store.js';
import { DiscoveryRouter } from './routing/discovery-router.js';
import { CommunityRouter } from './routing/community-router.js';
import type { Community } from './community/create-community.js';
import { startCommunity, type RunningCommunity } from './community/start-community.js';
import { createResponse } from './sip/create-response.js';
import type { IncomingMessage } from './sip/incoming-message.js';
import type { ParserLimits } from './sip/parser-limits.js';
import { TransactionLayer } from './transaction/transaction-layer.js';
import type { Flow } from './transport/flow.js';
import { TransportLayer } from './transport/transport-layer.js';
import type { BoundListener, TlsOptions } from './transport/transport-options.js';

export interface EdgeOptions {
  readonly config: EdgeConfig;
  /**
   * The TLS material: the default certificate, one per served domain (F3), trust anchors and CRLs;
   * required when a TLS listener is configured. `transport.reloadTls` replaces it (O2).
   */
  readonly tls?: TlsOptions;
  readonly logger?: Logger;
  /** Defaults to a timer wheel; tests pass a FakeClock. */
  readonly clock?: Clock;
  /** Defaults to static routing from the configuration. */
  readonly router?: Router;
  /** Defaults to the store the configuration names (state.backend). */
  readonly store?: StateStore;
  /** Wall-clock milliseconds for the policy's stored times; defaults to Date.now (tests move it by hand). */
  readonly wallClock?: () => number;
}

export interface Edge {
  listen(): Promise<void>;
  /**
   * O5, before stop(): for `drainMs` (or until `signal` aborts) /readyz is 503 and new out-of-dialog
   * requests are answered 503 with Retry-After, while in-dialog requests, responses and live
   * transactions go on over connections that stay open.
   */
  drain(drainMs: number, options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** O5: stop accepting, let live transactions finish (at most `graceMs`), close every flow. */
  stop(graceMs?: number): Promise<void>;
  readonly listeners: readonly BoundListener[];
  readonly metrics: EdgeMetrics;
  readonly transport: TransportLayer;
  /** F4: connections per peer domain, and those refused (caps, D1 lists, G1 pins). */
  readonly peerFlows: PeerFlowTable;
  /** G2: the peers' published policy documents, as fetched. */
  readonly policyDocuments: PolicyDocumentFetcher;
  /** G2: this community's policy document (XML), from the configuration in force. */
  policyDocument(): string;
  readonly transactions: TransactionLayer;
  /** P9 revalidate(), X3 removeUser(address) for the admin API and the registrar; once listening. */
  readonly subscriptions: SubscriptionSupervisor;
  /** What the admin listener serves (O3); once listening. */
  readonly admin: AdminBackend;
  /**
   * O2: apply a new, already validated configuration to new requests — policy, limits, agreements,
   * routes, federation mode, log level — without touching live flows or transactions. Sections read
   * only at start-up are named in the report: they take effect at the next restart.
   */
  reload(next: EdgeConfig): ReloadReport;
  /**
   * The built-in registrar, presence server and user directory (I2), once listening; undefined when
   * `internal` names external servers for both. `community.registrar.removeUser` is the Y2/X3 removal.
   */
  readonly community: Community | undefined;
}

export interface ReloadReport {
  /** Changed sections that only a restart applies. */
  readonly needsRestart: readonly string[];
}

/** Sections bound into sockets, files or the store at start-up. */
const RESTART_SECTIONS = ['domains', 'listen', 'tls', 'limits', 'state', 'admin', 'audit'] as const;

export function createEdge(options: EdgeOptions): Edge {
  const { config } = options;
  let current = config;
  let reconfigure: ((next: EdgeConfig) => void) | undefined;
  const log = options.logger ?? silentLogger();
  const ownsClock = options.clock === undefined;
  const clock = options.clock ?? new TimerWheel({ onError: (error) => log.error({ err: error }, 'a timer failed') });
  const metrics = new EdgeMetrics();
  const parser: ParserLimits = config.limits;
  let transactions: TransactionLayer | undefined;
  let store: StateStore | undefined;
  let supervisor: SubscriptionSupervisor | undefined;
  let admin: AdminBackend | undefined;
  let listening = false;
  /** O5: between SIGTERM and stop(): readiness says why it is off. */
  let draining = false;
  const audit = createAuditLog(config.audit);
  let running: RunningCommunity | undefined;
  const now = options.wallClock ?? Date.now;
  // F4, D1, G1: who may hold connections with us, how many, with which keys; judged per handshake.
  const peerDirectory = new PeerDirectory(config);
  // D3: one DNS client (discovery.resolvers, cache, timeouts) for every look-up the border makes.
  const discovery = createDiscovery(config.discovery, { clock });
  // G2: a peer's policy document is fetched when it first connects, and kept fresh while it does;
  // its host is resolved like a peer's, through discovery's DNS client.
  const policyDocuments = new PolicyDocumentFetcher({
    config: config.policyDocument,
    log,
    lookup: createHostLookup({ dns: discovery.dns, addressFamilies: config.discovery.addressFamilies }),
    ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
  });
  const peerFlows = new PeerFlowTable(peerDirectory, {
    counted: (peer, direction, delta) => {
      metrics.peerConnections.inc({ peer: metrics.peerLabel.of(peer), direction }, delta);
      if (delta > 0) policyDocuments.peerConnected(peer);
    },
    refused: (reason) => metrics.peerConnectionsRefused.inc({ reason }),
  });

  const transport = new TransportLayer({
    listeners: [
      ...config.listen.internal.map((l) => ({ ...l, side: 'internal' as const, protocol: l.transport })),
      ...config.listen.external.map((l) => ({ ...l, side: 'external' as const, protocol: l.transport })),
    ],
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    limits: {
      parser,
      maxConnections: config.limits.maxConnections,
      maxPendingBytesPerConnection: config.limits.maxPendingBytesPerConnection,
      idleTimeoutMs: config.limits.idleTimeoutMs,
      handshakeTimeoutMs: config.tls.handshakeTimeoutMs,
      maxHandshakesInProgress: config.tls.maxHandshakesInProgress,
      keepaliveIntervalMs: config.limits.keepaliveIntervalMs,
    },
    clock,
    logger: log,
    onMessage: (message, flow) => deliver(message, flow),
    admitStream: (candidate) => peerFlows.admit(candidate),
    onFlowClosed: (flow) => {
      peerFlows.forget(flow.id);
      // F5: a dead connection fails its pending client transactions now, so they fail over at once.
      transactions?.flowClosed(flow);
    },
  });
  const peers = new PeerAgent({ transport, directory: peerDirectory, table: peerFlows });
  const responses = new ResponseDispatcher(transport, log);

  function deliver(message: IncomingMessage, flow: Flow): void {
    if (transactions === undefined) return;
    try {
      transactions.receive(message, flow);
    } catch (error) {
      if (!isEdgeError(error)) throw error;
      // The headers a transaction is matched by (Via, CSeq, Call-ID) did not parse: answer 400 at once.
      if (message.kind !== 'request' || message.method === 'ACK') return;
      log.info({ callId: message.headers.get('call-id'), err: error.message }, 'unmatchable request answered');
      metrics.answeredAtEdge(error.status, `Y4 ${error.code}`);
      responses.sendResponse(
        createResponse(message, error.status, { headers: [['Warning', warning(error.message)]] }).toBuffer(),
        message,
        flow,
      );
    }
  }

  const edge: Edge = {
    metrics,
    transport,
    peerFlows,
    policyDocuments,
    policyDocument: () => formatPolicyDocument(policyDocumentOf(current)),
    get transactions(): TransactionLayer {
      if (transactions === undefined) throw new Error('the edge is not listening yet');
      return transactions;
    },
    get subscriptions(): SubscriptionSupervisor {
      if (supervisor === undefined) throw new Error('the edge is not listening yet');
      return supervisor;
    },
    get admin(): AdminBackend {
      if (admin === undefined) throw new Error('the edge is not listening yet');
      return admin;
    },
    reload(next) {
      const needsRestart: string[] = RESTART_SECTIONS.filter(
        (key) => JSON.stringify(current[key]) !== JSON.stringify(next[key]),
      );
      if (JSON.stringify(current.discovery.resolvers) !== JSON.stringify(next.discovery.resolvers))
        needsRestart.push('discovery.resolvers');
      if (JSON.stringify(current.policy.subscriptions) !== JSON.stringify(next.policy.subscriptions))
        needsRestart.push('policy.subscriptions');
      current = next;
      log.level = next.log.level;
      reconfigure?.(next);
      log.info({ needsRestart }, 'configuration reloaded');
      return { needsRestart };
    },
    get community(): Community | undefined {
      return running?.community;
    },
    get listeners() {
      return transport.boundListeners;
    },
    async listen() {
      if (ownsClock) (clock as TimerWheel).start();
      await transport.listen();
      const local = new LocalAddresses(transport.boundListeners);
      store = options.store ?? (await createStateStore(config.state, { now, volatilePrefixes: VOLATILE_KEY_PREFIXES }));
      const openStore = store;
      // P7-P9, X3: live subscriptions survive a restart through the store.
      const tracker = new SubscriptionTracker({ store, maxDialogs: config.policy.subscriptions.maxDialogs, log });
      await tracker.load(now());
      let limits = new PeerLimitTable(config);
      const policy = createBorderPolicy(config, { store, tracker, now, limits, policyDocuments }, metrics, log);
      // The transaction layer and the proxy core refer to each other; the user is bound once both exist.
      const bound: { proxy?: ProxyCore } = {};
      transactions = new TransactionLayer({
        clock,
        timers: config.limits.timers,
        responseSender: responses,
        user: {
          onRequest: (request, transaction) => bound.proxy!.onRequest(request, transaction),
          onAck: (ack, flow) => bound.proxy!.onAck(ack, flow),
          onStrayResponse: (response, flow) => bound.proxy!.onStrayResponse(response, flow),
        },
      });
      const layer = transactions;
      const inDialog = new InDialogSender({ transactions: layer, flows: peers, local, log });
      running = await startCommunity(config, {
        store,
        now,
        clock,
        log,
        actions: inDialog,
        contactFor: (side, protocol) => local.contactUri(side, protocol),
      });
      const community = running?.community;
      // I1, I3: the community's own requests to the built-in components, the rest by static routes and DNS.
      const routerFor = (cfg: EdgeConfig): Router =>
        options.router ??
        new CommunityRouter({
          inner: new DiscoveryRouter({ config: cfg, clock, logger: log, discovery }),
          config: cfg,
          ...(community === undefined ? {} : { community }),
          isOwnAddress: (uri) => local.isOwnUri(uri) !== undefined,
        });
      const router = routerFor(config);
      const topology = config.community.topologyHiding
        ? new TopologyHiding({ key: await TopologyHiding.sharedKey(store), local })
        : undefined;
      const proxy = new ProxyCore({
        transactions: layer,
        flows: peers,
        router,
        local,
        clock,
        ...(topology === undefined ? {} : { topology }),
        limits: parser,
        log,
        metrics,
        responses,
        policy,
        federation: peerDirectory,
        ...(audit === undefined ? {} : { audit }),
        servedDomains: new Set(config.domains),
        maxPendingRequests: config.limits.maxPendingRequests,
        routeModeOf: (step) => config.policy.rules[step],
        authority: new ImplicitAuthority([...config.agreements, ...peerDirectory.identitySpeakers()]),
        findInviteServerTransaction: (cancel, flow) => layer.findInviteServerTransaction(cancel, flow),
      });
      bound.proxy = proxy;
      reconfigure = (next) => {
        limits = new PeerLimitTable(next);
        policyDocuments.reconfigure(next.policyDocument);
        peerDirectory.reconfigure(next);
        proxy.reconfigure({
          policy: createBorderPolicy(next, { store: openStore, tracker, now, limits, policyDocuments }, metrics, log),
          router: routerFor(next),
          federation: peerDirectory,
          routeModeOf: (step) => next.policy.rules[step],
          authority: new ImplicitAuthority([...next.agreements, ...peerDirectory.identitySpeakers()]),
        });
      };
      stopAccepting = (options) => proxy.stopAccepting(options);
      supervisor = new SubscriptionSupervisor({
        tracker,
        actions: inDialog,
        store,
        clock,
        now,
        log,
        revalidateAfterSeconds: config.policy.subscriptions.revalidateAfterSeconds,
        tombstoneSeconds: config.policy.limits.tombstoneSeconds,
      });
      supervisor.start();
      const removal = supervisor;
      // X3: a user removed through the registrar is tombstoned and its external watchers told; the
      // admin API removes through the registrar too (when built in), and reports what X3 did.
      const removals = new Map<string, RemovalReport>();
      community?.registrar.onUserRemoved({
        removeUser: async (address) => removals.set(address, await removal.removeUser(address)),
      });
      const removeUser = async (address: string): Promise<RemovalReport> => {
        if (community === undefined) return removal.removeUser(address);
        const aor = parseAddress(address);
        await community.registrar.removeUser(aor);
        const report = removals.get(aor) ?? { address: aor, watchers: 0, acknowledged: 0 };
        removals.delete(aor);
        return report;
      };
      admin = createEdgeAdminBackend({
        config: () => current,
        metrics,
        log,
        store,
        flows: transport,
        limitsFor: (peer) => limits.limitsFor(peer),
        removeUser,
        listening: () => listening,
        draining: () => draining,
        policyDocument: () => edge.policyDocument(),
        peerPolicies: () => policyDocuments.entries(),
      });
      metrics.observe({
        transactions: () => layer.size,
        flows: () =>
          [...transport.flows].map((f) => ({ side: f.side, protocol: f.protocol, peer: f.peerIdentity?.[0] ?? '-' })),
        transportStats: () => transport.stats,
        connectionsStarting: () => ({
          handshakes: transport.gauges.handshakesInProgress,
          dials: transport.gauges.dialsInProgress,
        }),
        dnsStats: () => discovery.dns.stats,
        certificates: () => localCertificates(config, options.tls),
        peerCertificates: () =>
          [...transport.flows].flatMap((f) =>
            f.peerCertificateExpiresAt === undefined || f.peerIdentity?.[0] === undefined
              ? []
              : [{ domain: f.peerIdentity[0], validToMs: f.peerCertificateExpiresAt }],
          ),
        storeLatencySeconds: () => timedPing(openStore),
      });
      listening = true;
    },
    async drain(drainMs, drainOptions = {}) {
      listening = false;
      draining = true;
      stopAccepting({ inDialog: true });
      log.info({ drainMs }, 'draining: readiness off, new out-of-dialog requests answered 503');
      await abortableDelay(drainMs, drainOptions.signal);
    },
    async stop(graceMs = 32_000) {
      listening = false;
      stopAccepting();
      supervisor?.stop();
      running?.stop();
      if (transactions !== undefined) {
        // Answered transactions only absorb retransmissions: wait for the unanswered ones alone.
        const deadline = Date.now() + graceMs;
        while (transactions.unanswered > 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 50));
        transactions.close();
      }
      await transport.close();
      if (options.store === undefined) await store?.close();
      await audit?.close();
      if (ownsClock) (clock as TimerWheel).stop();
    },
  };
  let stopAccepting = (_options?: { inDialog?: boolean }): void => undefined;
  return edge;
}

interface PolicyState {
  readonly store: StateStore;
  readonly tracker: SubscriptionTracker;
  readonly now: () => number;
  readonly limits: PeerLimitTable;
  readonly policyDocuments: PolicyDocumentFetcher;
}

function createBorderPolicy(config: EdgeConfig, state: PolicyState, metrics: EdgeMetrics, log: Logger): BorderPolicy {
  const limits = state.limits;
  return new BorderPolicy({
    ...(config.policyDocument.fetch ? { peerPolicyOf: (peer: string) => state.policyDocuments.documentOf(peer) } : {}),
    chains: DEFAULT_CHAINS,
    store: state.store,
    subscriptions: state.tracker,
    now: state.now,
    localDomains: new Set(config.domains),
    decisions: { inc: (labels) => metrics.policyDecisions.inc({ ...labels, peer: metrics.peerLabel.of(labels.peer) }) },
    log,
    community: createCommunityFacts(config.policy),
    limitsFor: (peer) => limits.limitsFor(peer),
    modeOf: (rule) => config.policy.rules[rule] ?? config.policy.mode,
  });
}

/** The edge's own certificates (one per served domain, F3), for the expiry gauge (O3). */
function localCertificates(
  config: EdgeConfig,
  tls: TlsOptions | undefined,
): Array<{ domain: string; validToMs: number }> {
  if (tls === undefined) return [];
  const certificates = tls.certificates ?? [{ domain: config.domains[0]!, cert: tls.cert }];
  return certificates.flatMap(({ domain, cert }) => {
    try {
      return [{ domain, validToMs: Date.parse(new X509Certificate(cert).validTo) }];
    } catch {
      return [];
    }
  });
}

/** Resolves after `ms`, or at once when `signal` aborts (a second SIGTERM ends the drain). */
function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
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

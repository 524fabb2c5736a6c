// createEdge(): the composition root. Transport hands parsed messages to the transaction layer, the
// transaction layer hands new requests to the proxy core, the proxy core asks the router where they go.

import type { Clock } from './clock/clock.js';
import { TimerWheel } from './clock/timer-wheel.js';
import type { EdgeConfig } from './config/config-schema.js';
import { isEdgeError } from './errors.js';
import { EdgeMetrics } from './observability/edge-metrics.js';
import { silentLogger, type Logger } from './observability/logger.js';
import { InDialogSender } from './proxy/in-dialog-sender.js';
import { ImplicitAuthority } from './proxy/implicit-authority.js';
import { LocalAddresses } from './proxy/local-addresses.js';
import { ProxyCore } from './proxy/proxy-core.js';
import { TopologyHiding } from './proxy/topology-hiding.js';
import { ResponseDispatcher } from './proxy/response-dispatcher.js';
import { warning } from './proxy/validate-request.js';
import { BorderPolicy } from './policy/border-policy.js';
import { DEFAULT_CHAINS } from './policy/chains.js';
import { createCommunityFacts } from './policy/community-facts.js';
import { PeerLimitTable } from './policy/peer-limits.js';
import { SubscriptionSupervisor } from './policy/subscriptions/subscription-supervisor.js';
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
  /** The TLS certificate, key and trust anchors; required when a TLS listener is configured. */
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
  /** O5: stop accepting, let live transactions finish (at most `graceMs`), close every flow. */
  stop(graceMs?: number): Promise<void>;
  readonly listeners: readonly BoundListener[];
  readonly metrics: EdgeMetrics;
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  /** P9 revalidate(), X3 removeUser(address) for the admin API and the registrar; once listening. */
  readonly subscriptions: SubscriptionSupervisor;
  /**
   * The built-in registrar, presence server and user directory (I2), once listening; undefined when
   * `internal` names external servers for both. `community.registrar.removeUser` is the Y2/X3 removal.
   */
  readonly community: Community | undefined;
}

/** RFC 5626 §4.4.1 suggests keepalives well inside NAT timeouts; 30 s with the pong due within 10 s. */
const KEEPALIVE_INTERVAL_MS = 30_000;

export function createEdge(options: EdgeOptions): Edge {
  const { config } = options;
  const log = options.logger ?? silentLogger();
  const ownsClock = options.clock === undefined;
  const clock = options.clock ?? new TimerWheel({ onError: (error) => log.error({ err: error }, 'a timer failed') });
  const metrics = new EdgeMetrics();
  const parser: ParserLimits = config.limits;
  let transactions: TransactionLayer | undefined;
  let store: StateStore | undefined;
  let supervisor: SubscriptionSupervisor | undefined;
  let running: RunningCommunity | undefined;
  const now = options.wallClock ?? Date.now;

  const transport = new TransportLayer({
    listeners: [...config.listen.internal.map((l) => ({ ...l, side: 'internal' as const, protocol: l.transport })),
      ...config.listen.external.map((l) => ({ ...l, side: 'external' as const, protocol: l.transport }))],
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    limits: {
      parser, maxConnections: config.limits.maxConnections, maxPendingBytesPerConnection: config.limits.maxPendingBytesPerConnection,
      idleTimeoutMs: config.limits.idleTimeoutMs, handshakeTimeoutMs: config.tls.handshakeTimeoutMs,
      maxHandshakesInProgress: config.tls.maxHandshakesInProgress, keepaliveIntervalMs: KEEPALIVE_INTERVAL_MS,
    },
    clock,
    logger: log,
    onMessage: (message, flow) => deliver(message, flow),
    onFlowClosed: (flow) => transactions?.flowClosed(flow),
  });
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
      flow.send(createResponse(message, error.status, { headers: [['Warning', warning(error.message)]] }).toBuffer());
    }
  }

  const edge: Edge = {
    metrics,
    transport,
    get transactions(): TransactionLayer {
      if (transactions === undefined) throw new Error('the edge is not listening yet');
      return transactions;
    },
    get subscriptions(): SubscriptionSupervisor {
      if (supervisor === undefined) throw new Error('the edge is not listening yet');
      return supervisor;
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
      store = options.store ?? (await createStateStore(config.state, { now }));
      // P7-P9, X3: live subscriptions survive a restart through the store.
      const tracker = new SubscriptionTracker({ store, maxDialogs: config.policy.subscriptions.maxDialogs, log });
      await tracker.load(now());
      const policy = createBorderPolicy(config, { store, tracker, now }, metrics, log);
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
      const inDialog = new InDialogSender({ transactions: layer, flows: transport, local, log });
      running = await startCommunity(config, { store, now, clock, log, actions: inDialog, contactFor: (side, protocol) => local.contactUri(side, protocol) });
      const community = running?.community;
      const router = options.router ?? new CommunityRouter({
        inner: new DiscoveryRouter({ config, clock, logger: log }), config, ...(community === undefined ? {} : { community }),
        isOwnAddress: (uri) => local.isOwnUri(uri) !== undefined,
      });
      const topology = config.community.topologyHiding ? new TopologyHiding({ key: await TopologyHiding.sharedKey(store), local }) : undefined;
      const proxy = new ProxyCore({
        transactions: layer, flows: transport, router, local, clock, ...(topology === undefined ? {} : { topology }),
        limits: parser, log, metrics, responses, policy, authority: new ImplicitAuthority(config.agreements),
        findInviteServerTransaction: (cancel) => layer.findInviteServerTransaction(cancel),
      });
      bound.proxy = proxy;
      stopAccepting = () => proxy.stopAccepting();
      supervisor = new SubscriptionSupervisor({
        tracker, actions: inDialog, store, clock, now, log,
        revalidateAfterSeconds: config.policy.subscriptions.revalidateAfterSeconds, tombstoneSeconds: config.policy.limits.tombstoneSeconds,
      });
      supervisor.start();
      const removal = supervisor;
      // X3: a user removed through the registrar is tombstoned and its external watchers told.
      community?.registrar.onUserRemoved({ removeUser: (address) => removal.removeUser(address) });
    },
    async stop(graceMs = 32_000) {
      stopAccepting();
      supervisor?.stop();
      running?.stop();
      if (transactions !== undefined) {
        // Answered transactions only absorb retransmissions: wait for the unanswered ones alone.
        const deadline = Date.now() + graceMs;
        while (transactions.unanswered > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        transactions.close();
      }
      await transport.close();
      if (options.store === undefined) await store?.close();
      if (ownsClock) (clock as TimerWheel).stop();
    },
  };
  let stopAccepting = (): void => undefined;
  return edge;
}

interface PolicyState {
  readonly store: StateStore;
  readonly tracker: SubscriptionTracker;
  readonly now: () => number;
}

function createBorderPolicy(config: EdgeConfig, state: PolicyState, metrics: EdgeMetrics, log: Logger): BorderPolicy {
  const limits = new PeerLimitTable(config);
  return new BorderPolicy({
    chains: DEFAULT_CHAINS, store: state.store, subscriptions: state.tracker, now: state.now, localDomains: new Set(config.domains), decisions: metrics.policyDecisions, log,
    community: createCommunityFacts(config.policy),
    limitsFor: (peer) => limits.limitsFor(peer),
    modeOf: (rule) => config.policy.rules[rule] ?? config.policy.mode,
  });
}

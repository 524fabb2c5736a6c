// The edge's Prometheus metrics (prom-client, SPEC O3). Names carry the `simple_edge_` prefix and
// their unit; labels stay bounded: methods, status classes, sides, directions, rule names and peer
// domains — never user addresses. Figures the lower layers already count (transport, DNS, the
// transaction table) are read when Prometheus scrapes, through `observe()`, not pushed per event.

import { BoundedLabel, methodLabel } from './bounded-label.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AdmissionState, OverloadObserver, ShedCounts } from './overload-report.js';
import { OutboundMetrics } from './outbound-metrics.js';

/** What the edge exposes for scrape-time metrics; every field a plain number read on demand. */
export interface ScrapeSources {
  transactions(): number;
  /** Open flows, one entry each. */
  flows(): Iterable<{ readonly side: string; readonly protocol: string; readonly peer: string }>;
  transportStats(): {
    readonly handshakeFailureReasons: ReadonlyMap<string, number>;
    readonly handshakeTimeouts: number;
    readonly refusedConnections: number;
    readonly sendBufferOverflows: number;
    /** I7: WebSocket upgrades refused, by reason. */
    readonly webSocketRefusals?: ReadonlyMap<string, number>;
  };
  /** Inbound handshakes under way, and outbound dials (connect plus handshake) under way. */
  connectionsStarting(): { readonly handshakes: number; readonly dials: number };
  dnsStats(): { readonly exchanges: number; readonly cacheHits: number; readonly failures: number } | undefined;
  /** Local certificates: domain and expiry (ms since the epoch). */
  certificates(): Iterable<{ readonly domain: string; readonly validToMs: number }>;
  /** Certificates of peers with an open flow: the peer domain and expiry (ms since the epoch). */
  peerCertificates(): Iterable<{ readonly domain: string; readonly validToMs: number }>;
  /** Seconds a store ping took, or undefined when it failed. */
  storeLatencySeconds(): Promise<number | undefined>;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 32];

/** Branches of a forked request: at most community.forking.maxBranches (100 at most). */
const FORK_BRANCH_BUCKETS = [2, 3, 4, 5, 10, 20, 50, 100];

/** Distinct peer domains counted by name; an open federation past this many is counted as "other". */
const MAX_PEER_SERIES = 1000;
/** Distinct reasons for edge answers; the edge's own reasons are far fewer. */
const MAX_BECAUSE_SERIES = 200;

export class EdgeMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'simple_edge_requests_total',
    help: 'Requests received, by method and side',
    labelNames: ['method', 'side'] as const,
    registers: [this.registry],
  });
  readonly responses = new Counter({
    name: 'simple_edge_responses_total',
    help: 'Final responses sent to requests crossing the border, by method, status class, direction and peer domain',
    labelNames: ['method', 'status_class', 'direction', 'peer'] as const,
    registers: [this.registry],
  });
  readonly edgeAnswers = new Counter({
    name: 'simple_edge_answers_total',
    help: 'Requests the edge answered itself instead of relaying, by status and the rule or RFC step behind it',
    labelNames: ['status', 'because'] as const,
    registers: [this.registry],
  });
  readonly policyDecisions = new Counter({
    name: 'simple_edge_policy_decisions_total',
    help: 'Border policy decisions other than pass, by rule, verdict (shadow- when not applied) and peer domain',
    labelNames: ['rule', 'verdict', 'peer'] as const,
    registers: [this.registry],
  });
  readonly topologyHidden = new Counter({
    name: 'simple_edge_topology_hidden_total',
    help: 'Messages topology hiding rewrote at the border (I4), by message (request, response) and direction (out: hidden, in: restored)',
    labelNames: ['message', 'direction'] as const,
    registers: [this.registry],
  });
  readonly peerConnections = new Gauge({
    name: 'simple_edge_peer_connections',
    help: 'Open connections with peer edges, by peer domain and who opened them (F4)',
    labelNames: ['peer', 'direction'] as const,
    registers: [this.registry],
  });
  readonly peerConnectionsRefused = new Counter({
    name: 'simple_edge_peer_connections_refused_total',
    help: 'Connections refused once the peer was known, by reason: cap, denied, not-allowed, untrusted (F4, D1, G1)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  /** SPEC I6: outbound bindings, the flows they hold, Path entries added. */
  readonly outbound = new OutboundMetrics(this.registry);
  readonly relayLatency = new Histogram({
    name: 'simple_edge_relay_latency_seconds',
    help: 'From a border-crossing request reaching the proxy to its final response leaving the edge, by direction',
    labelNames: ['direction'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly forkBranches = new Histogram({
    name: 'simple_edge_fork_branches',
    help: 'Branches a request for a user with several bindings was forked to (I5), by method',
    labelNames: ['method'] as const,
    buckets: FORK_BRANCH_BUCKETS,
    registers: [this.registry],
  });
  readonly overloadShed = new Counter({
    name: 'simple_edge_overload_shed_total',
    help: 'New out-of-dialog requests shed before any work by overload control (Y5), by cause (event-loop, pending-requests, capacity), side, peer domain ("-" without a verified identity) and answer (503, or dropped when unanswerable)',
    labelNames: ['cause', 'side', 'peer', 'answer'] as const,
    registers: [this.registry],
  });
  readonly overloadShedding = new Gauge({
    name: 'simple_edge_overload_shedding',
    help: 'Whether overload control is shedding new out-of-dialog requests (1) or admitting all (0) (Y5)',
    registers: [this.registry],
  });
  readonly overloadCapacity = new Gauge({
    name: 'simple_edge_overload_capacity_per_second',
    help: 'New out-of-dialog requests per second overload control admits while shedding; 0 while nothing limits them (Y5)',
    registers: [this.registry],
  });
  readonly eventLoopUtilisation = new Gauge({
    name: 'simple_edge_event_loop_utilisation_ratio',
    help: 'Share of the last admission interval the event loop was busy, as overload control sampled it (Y5)',
    registers: [this.registry],
  });
  readonly internalAuthentications = new Counter({
    name: 'simple_edge_internal_authentications_total',
    help: 'Requests from the internal side checked for Proxy-Authorization (I2, X2), by outcome (challenged, accepted, refused) and reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });
  readonly webSocketDepartures = new Counter({
    name: 'simple_edge_websocket_departures_total',
    help: 'What closed WebSocket client connections left behind and the edge ended (I7): bindings, subscriptions, publications',
    labelNames: ['ended'] as const,
    registers: [this.registry],
  });
  #sources: ScrapeSources | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'simple_edge_' }); // event-loop lag, heap, CPU
    this.#scrapeTimeMetrics();
  }

  /** Peer domains as labels: at most MAX_PEER_SERIES distinct ones, then "other" (B4). */
  readonly peerLabel = new BoundedLabel(MAX_PEER_SERIES);
  readonly #because = new BoundedLabel(MAX_BECAUSE_SERIES);

  answeredAtEdge(status: number, because: string): void {
    this.edgeAnswers.inc({ status: String(status), because: this.#because.of(because) });
  }

  /** SPEC I5: a request forked to `branches` contacts of one user. */
  countFork(method: string, branches: number): void {
    this.forkBranches.observe({ method: methodLabel(method) }, branches);
  }

  countRequest(method: string, side: string): void {
    this.requests.inc({ method: methodLabel(method), side });
  }

  countResponse(method: string, status: number, direction: string, peer: string): void {
    this.responses.inc({
      method: methodLabel(method),
      status_class: `${Math.floor(status / 100)}xx`,
      direction,
      peer: this.peerLabel.of(peer),
    });
  }

  /** SPEC Y5: what overload control reports once per admission interval. */
  readonly overload: OverloadObserver = {
    shed: (counts: ShedCounts) => {
      const labels = { cause: counts.cause, side: counts.side, peer: this.peerLabel.of(counts.peer) };
      if (counts.answered > 0) this.overloadShed.inc({ ...labels, answer: '503' }, counts.answered);
      if (counts.dropped > 0) this.overloadShed.inc({ ...labels, answer: 'dropped' }, counts.dropped);
    },
    state: (state: AdmissionState) => {
      this.overloadShedding.set(state.shedding ? 1 : 0);
      this.eventLoopUtilisation.set(state.eventLoopUtilisation);
      if (state.shedding && Number.isFinite(state.capacityPerSecond))
        this.overloadCapacity.set(state.capacityPerSecond);
      else this.overloadCapacity.set(0);
    },
  };

  /** Where the scrape-time figures come from; set once the edge listens. */
  observe(sources: ScrapeSources): void {
    this.#sources = sources;
  }

  #scrapeTimeMetrics(): void {
    // prom-client calls `collect` with the metric as `this` at every scrape.
    const sources = (): ScrapeSources | undefined => this.#sources;
    const registers = [this.registry];
    scrapeLoadGauges(sources, registers);
    scrapeTransportCounters(sources, registers);
    scrapeDependencyMetrics(sources, registers);
  }
}

type SourcesOf = () => ScrapeSources | undefined;

/** What the edge holds open now: transactions and flows. */
function scrapeLoadGauges(sources: SourcesOf, registers: Registry[]): void {
  new Gauge({
    name: 'simple_edge_transactions',
    help: 'Live SIP transactions',
    registers,
    collect() {
      const s = sources();
      if (s !== undefined) this.set(s.transactions());
    },
  });
  new Gauge({
    name: 'simple_edge_flows',
    help: 'Flows by side, protocol, peer domain (the certificate\'s first domain; "-" when none or not yet known) and state (open, handshake, dialling)',
    labelNames: ['side', 'protocol', 'peer', 'state'] as const,
    registers,
    collect() {
      this.reset();
      const s = sources();
      if (s === undefined) return;
      for (const flow of s.flows())
        this.inc({ side: flow.side, protocol: flow.protocol, peer: flow.peer, state: 'open' });
      const starting = s.connectionsStarting();
      this.set({ side: 'external', protocol: 'tls', peer: '-', state: 'handshake' }, starting.handshakes);
      this.set({ side: 'external', protocol: 'tls', peer: '-', state: 'dialling' }, starting.dials);
    },
  });
}

/** What the transport refused or failed at: handshakes, connections, sends (F2, Y4). */
function scrapeTransportCounters(sources: SourcesOf, registers: Registry[]): void {
  new Counter({
    name: 'simple_edge_tls_handshake_failures_total',
    help: 'Inbound TLS handshakes that failed, by reason',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      const stats = sources()?.transportStats();
      if (stats === undefined) return;
      this.reset();
      for (const [reason, count] of stats.handshakeFailureReasons) this.inc({ reason }, count);
      this.inc({ reason: 'timeout' }, stats.handshakeTimeouts);
    },
  });
  new Counter({
    name: 'simple_edge_connections_refused_total',
    help: 'Connections refused at accept because a cap was reached',
    registers,
    collect() {
      const stats = sources()?.transportStats();
      if (stats === undefined) return;
      this.reset();
      this.inc(stats.refusedConnections);
    },
  });
  new Counter({
    name: 'simple_edge_websocket_upgrades_refused_total',
    help: 'WebSocket upgrades refused (I7), by reason: path, not-websocket, subprotocol, origin, connection-cap, handshake',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      const refusals = sources()?.transportStats().webSocketRefusals;
      if (refusals === undefined) return;
      this.reset();
      for (const [reason, count] of refusals) this.inc({ reason }, count);
    },
  });
  new Counter({
    name: 'simple_edge_sends_refused_total',
    help: 'Messages not written because their connection already held limits.maxPendingBytesPerConnection unsent (Y4); a connection that stays over it for 5 s is closed',
    registers,
    collect() {
      const stats = sources()?.transportStats();
      if (stats === undefined) return;
      this.reset();
      this.inc(stats.sendBufferOverflows);
    },
  });
}

/** DNS, certificates and the state store: what the edge depends on. */
function scrapeDependencyMetrics(sources: SourcesOf, registers: Registry[]): void {
  new Counter({
    name: 'simple_edge_dns_queries_total',
    help: 'DNS look-ups by outcome: sent to a resolver, answered from the cache, failed',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      const dns = sources()?.dnsStats();
      if (dns === undefined) return;
      this.reset();
      this.inc({ outcome: 'sent' }, dns.exchanges);
      this.inc({ outcome: 'cache_hit' }, dns.cacheHits);
      this.inc({ outcome: 'failed' }, dns.failures);
    },
  });
  new Gauge({
    name: 'simple_edge_certificate_expiry_seconds',
    help: 'Seconds until each local certificate expires, by domain',
    labelNames: ['domain'] as const,
    registers,
    collect() {
      this.reset();
      for (const certificate of sources()?.certificates() ?? [])
        this.set({ domain: certificate.domain }, (certificate.validToMs - Date.now()) / 1000);
    },
  });
  new Gauge({
    name: 'simple_edge_peer_certificate_expiry_seconds',
    help: 'Seconds until the certificate of each peer with an open flow expires, by peer domain (the soonest when several)',
    labelNames: ['peer'] as const,
    registers,
    collect() {
      this.reset();
      const soonest = new Map<string, number>();
      for (const { domain, validToMs } of sources()?.peerCertificates() ?? [])
        soonest.set(domain, Math.min(validToMs, soonest.get(domain) ?? Infinity));
      for (const [peer, validToMs] of soonest) this.set({ peer }, (validToMs - Date.now()) / 1000);
    },
  });
  new Gauge({
    name: 'simple_edge_store_latency_seconds',
    help: 'How long a ping of the state store took at the last scrape (0 when it failed)',
    registers,
    // prom-client shows an unlabelled gauge as 0 after reset(): a failed ping reads 0, never absent.
    async collect() {
      this.reset();
      const seconds = await sources()?.storeLatencySeconds();
      if (seconds !== undefined) this.set(seconds);
    },
  });
}

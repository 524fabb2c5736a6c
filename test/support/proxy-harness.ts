// Test harness for the proxy core without sockets (STYLE rule 11): a real TransactionLayer and
// ProxyCore on a FakeClock, built by the edge's own factories (src/edge/request-path.ts), with
// RecordingFlows standing in for every connection. `receive` plays a message arriving on a flow; the
// flows record what the edge sends.

import { parseConfigText } from '../../src/config/load-config.js';
import { EdgeMetrics } from '../../src/observability/edge-metrics.js';
import { silentLogger } from '../../src/observability/logger.js';
import { LocalAddresses, type BoundListener } from '../../src/proxy/local-addresses.js';
import type { FederationGate, ProxyCore } from '../../src/proxy/proxy-core.js';
import type { ConnectOptions } from '../../src/proxy/proxy-deps.js';
import { TopologyHiding } from '../../src/proxy/topology-hiding.js';
import { ResponseDispatcher } from '../../src/proxy/response-dispatcher.js';
import type { RouteTarget, Router } from '../../src/routing/route-types.js';
import type { ImplicitAuthority } from '../../src/proxy/implicit-authority.js';
import { withoutCommunity } from '../../src/routing/community-router.js';
import { StaticRouter } from '../../src/routing/static-router.js';
import { parseDatagram } from '../../src/sip/datagram-parser.js';
import type { IncomingMessage } from '../../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../../src/sip/parser-limits.js';
import type { TransactionLayer } from '../../src/transaction/transaction-layer.js';
import { attachProxyCore, createTransactionPart } from '../../src/edge/request-path.js';
import type { Flow } from '../../src/transport/flow.js';
import { FakeClock } from './fake-clock.js';
import { RecordingFlow } from './recording-flow.js';
import { sip } from './sip-text.js';

export const LISTENERS: BoundListener[] = [
  { side: 'internal', protocol: 'udp', address: '192.0.2.1', port: 5060 },
  { side: 'internal', protocol: 'tcp', address: '192.0.2.1', port: 5060 },
  { side: 'external', protocol: 'tls', address: '203.0.113.1', port: 5061 },
];

const CONFIG = `
domains: [a.example.com]
internal:
  registrar: [{ host: 10.0.0.5, port: 5060, transport: udp }]
  presence: [{ host: 10.0.0.6, port: 5060, transport: tcp }]
routes:
  - domain: b.example.net
    targets:
      - { host: 198.51.100.20, port: 5061, transport: tls }
      - { host: 198.51.100.21, port: 5061, transport: tls }
`;

export class ProxyHarness {
  readonly clock = new FakeClock();
  readonly metrics = new EdgeMetrics();
  /** Flows the edge opened, by "address:port". */
  readonly targets = new Map<string, RecordingFlow>();
  /** Targets whose connection attempt fails. */
  readonly unreachable = new Set<string>();
  readonly transactions: TransactionLayer;
  readonly proxy: ProxyCore;

  /** Calls the router received through `reportFailure` (D2 back-off). */
  readonly failures: string[] = [];
  /** Every target the proxy asked a flow for, in order, with the flows it asked to avoid. */
  readonly connected: RouteTarget[] = [];
  readonly avoided: string[][] = [];

  constructor(
    options: {
      authority?: ImplicitAuthority;
      federation?: FederationGate;
      servedDomains?: ReadonlySet<string>;
      maxPendingRequests?: number;
      topologyKey?: Buffer;
      /** Replaces the static routes of CONFIG (a test's own decisions). */
      router?: Router;
    } = {},
  ) {
    const parsed = parseConfigText(CONFIG, 'harness');
    if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.problem).join('; '));
    const connector = { connect: (target: RouteTarget, options?: ConnectOptions) => this.#connect(target, options) };
    const log = silentLogger();
    const responses = new ResponseDispatcher(connector, log);
    // Built as the edge builds them (src/edge/request-path.ts): the layer first, the proxy core attached.
    const built = { clock: this.clock, timers: { t1Ms: 500, t2Ms: 4000, t4Ms: 5000 }, responses };
    const local = new LocalAddresses(LISTENERS);
    const path = attachProxyCore(createTransactionPart(built), built, {
      flows: connector,
      router: this.#reportingRouter(options.router ?? withoutCommunity(new StaticRouter(parsed.config))),
      local,
      ...(options.topologyKey === undefined
        ? {}
        : { topology: new TopologyHiding({ key: options.topologyKey, local }) }),
      limits: DEFAULT_PARSER_LIMITS,
      log,
      metrics: this.metrics,
      ...(options.federation === undefined ? {} : { federation: options.federation }),
      ...(options.authority === undefined ? {} : { authority: options.authority }),
      ...(options.servedDomains === undefined ? {} : { servedDomains: options.servedDomains }),
      ...(options.maxPendingRequests === undefined ? {} : { maxPendingRequests: options.maxPendingRequests }),
    });
    this.transactions = path.transactions;
    this.proxy = path.proxy;
  }

  /** A flow from a client on the internal side (UDP unless said otherwise). */
  client(options: ConstructorParameters<typeof RecordingFlow>[0] = {}): RecordingFlow {
    return new RecordingFlow({ side: 'internal', remote: { address: '10.0.0.99', port: 5070 }, ...options });
  }

  /** Deliver a message written with \n line ends, then let the edge's async steps run. */
  async receive(text: string | Buffer, flow: Flow): Promise<void> {
    const message = parse(typeof text === 'string' ? sip(text) : text);
    message.source = flow.remote; // as the transport notes it on arrival
    this.transactions.receive(message, flow);
    await settle();
  }

  target(hostPort: string): RecordingFlow {
    const flow = this.targets.get(hostPort);
    if (flow === undefined)
      throw new Error(`the edge sent nothing to ${hostPort} (flows: ${[...this.targets.keys()].join(', ')})`);
    return flow;
  }

  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await settle();
  }

  #reportingRouter(router: Router): Router {
    return {
      route: (request) => router.route(request),
      reportFailure: (target, failure) =>
        void this.failures.push(
          `${target.address}:${target.port}${failure?.retryAfterMs === undefined ? '' : ` retry-after ${failure.retryAfterMs}`}`,
        ),
    };
  }

  async #connect(target: RouteTarget, options?: ConnectOptions): Promise<Flow> {
    this.connected.push(target);
    this.avoided.push([...(options?.avoid ?? [])]);
    const key = `${target.address}:${target.port}`;
    if (this.unreachable.has(key)) throw new Error(`connect ECONNREFUSED ${key}`);
    let flow = this.targets.get(key);
    if (flow === undefined || !flow.isOpen) {
      flow = new RecordingFlow({
        protocol: target.protocol,
        side: target.side,
        remote: { address: target.address, port: target.port },
      });
      this.targets.set(key, flow);
    }
    return flow;
  }
}

export function parse(bytes: Buffer): IncomingMessage {
  const frame = parseDatagram(bytes, DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message')
    throw new Error(`not a message: ${frame.kind === 'error' ? frame.error.message : frame.kind}`);
  return frame.message;
}

/** Parse the n-th message a flow recorded. */
export function sentMessage(flow: RecordingFlow, index = -1): IncomingMessage {
  const bytes = index < 0 ? flow.sent[flow.sent.length + index] : flow.sent[index];
  if (bytes === undefined) throw new Error(`flow ${flow.id} sent ${flow.sent.length} messages`);
  return parse(bytes);
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A response to a request the edge sent, as the next hop would write it. */
export function responseTo(request: IncomingMessage, status: number, reason: string, extra: string[] = []): string {
  if (request.kind !== 'request') throw new Error('not a request');
  const h = request.headers;
  const to = request.to.tag === undefined && status > 100 ? `${h.get('to')};tag=uas1` : h.get('to');
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...h.getAll('via').map((v) => `Via: ${v}`),
    ...h.getAll('record-route').map((v) => `Record-Route: ${v}`),
    `From: ${h.get('from')}`,
    `To: ${to}`,
    `Call-ID: ${h.get('call-id')}`,
    `CSeq: ${h.get('cseq')}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

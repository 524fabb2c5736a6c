// The proxy core applying border-policy answers (docs/POLICY.md): an absorb from the request chain is
// answered with its headers and no Warning (nothing tells the peer a rule spoke), and a reply or
// absorb from the response chain replaces the community's answer (Y3 confidential mode).

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { borderPolicyFixture } from '../../test/support/policy-fixture.js';
import { LISTENERS, parse, responseTo, sentMessage, settle } from '../../test/support/proxy-harness.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { parseConfigText } from '../config/load-config.js';
import { EdgeMetrics } from '../observability/edge-metrics.js';
import { silentLogger } from '../observability/logger.js';
import type { RouteTarget } from '../routing/route-types.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { withoutCommunity } from '../routing/community-router.js';
import { StaticRouter } from '../routing/static-router.js';
import { TransactionLayer } from '../transaction/transaction-layer.js';
import { LocalAddresses } from './local-addresses.js';
import { ProxyCore } from './proxy-core.js';
import { ResponseDispatcher } from './response-dispatcher.js';

const CONFIG = `
domains: [a.example.com]
internal:
  registrar: [{ host: 10.0.0.5, port: 5060, transport: udp }]
  presence: [{ host: 10.0.0.6, port: 5060, transport: tcp }]
policy:
  noPresenceAddresses: [all-staff@a.example.com]
  limits: { confidential: true }
state: { backend: memory }
`;

/** ProxyHarness's wiring with the default border policy on a MemoryStore. */
function edgeWithPolicy() {
  const parsed = parseConfigText(CONFIG, 'test');
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.problem).join('; '));
  const config = parsed.config;
  const clock = new FakeClock();
  const targets = new Map<string, RecordingFlow>();
  const connector = {
    connect: async (target: RouteTarget) => {
      const key = `${target.address}:${target.port}`;
      const flow =
        targets.get(key) ??
        new RecordingFlow({
          protocol: target.protocol,
          side: target.side,
          remote: { address: target.address, port: target.port },
        });
      targets.set(key, flow);
      return flow;
    },
  };
  const log = silentLogger();
  const policy = borderPolicyFixture({ config: CONFIG, log });
  const responses = new ResponseDispatcher(connector, log);
  // As the edge builds them: the layer first, unattached; the proxy core becomes its user.
  const layer = TransactionLayer.unattached({
    clock,
    timers: { t1Ms: 500, t2Ms: 4000, t4Ms: 5000 },
    responseSender: responses,
  });
  const transactions = layer.attach(
    new ProxyCore({
      transactions: layer,
      flows: connector,
      router: withoutCommunity(new StaticRouter(config)),
      local: new LocalAddresses(LISTENERS),
      clock,
      limits: DEFAULT_PARSER_LIMITS,
      log,
      metrics: new EdgeMetrics(),
      responses,
      policy,
      findInviteServerTransaction: (cancel, flow) => layer.findInviteServerTransaction(cancel, flow),
    }),
  );
  const receive = async (text: string, flow: RecordingFlow) => {
    transactions.receive(parse(sip(text)), flow);
    await settle();
  };
  return { receive, target: (hostPort: string) => targets.get(hostPort)! };
}

function fromPeer(method: string, uri: string, extra: string[] = []): string {
  return [
    `${method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/TLS edge.b.example.net:5061;branch=z9hG4bK-peer-1',
    'Max-Forwards: 70',
    'From: <sip:bob@b.example.net>;tag=b1',
    `To: <${uri}>`,
    `Call-ID: ${method}-1@b.example.net`,
    `CSeq: 1 ${method}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

describe('Y3 confidential mode through the proxy core', () => {
  it('P3 MUST answer a SUBSCRIBE to a no-presence address 200 with Expires and Contact, and no Warning', async () => {
    const edge = edgeWithPolicy();
    const peer = new RecordingFlow({ side: 'external', protocol: 'tls' });
    await edge.receive(
      fromPeer('SUBSCRIBE', 'sip:all-staff@a.example.com', ['Event: presence', 'Expires: 3600']),
      peer,
    );
    const answer = sentMessage(peer);
    expect(answer.kind === 'response' && answer.status).toBe(200);
    expect(answer.headers.get('expires')).toBe('3600');
    expect(answer.headers.get('contact')).toBe('<sip:all-staff@a.example.com>');
    expect(answer.headers.has('warning')).toBe(false);
  });

  it("M1 MUST replace the registrar's 404 to a peer's MESSAGE with 200", async () => {
    const edge = edgeWithPolicy();
    const peer = new RecordingFlow({ side: 'external', protocol: 'tls' });
    await edge.receive(fromPeer('MESSAGE', 'sip:nobody@a.example.com'), peer);
    const registrar = edge.target('10.0.0.5:5060');
    await edge.receive(responseTo(sentMessage(registrar), 404, 'Not Found'), registrar);
    const answer = sentMessage(peer);
    expect(answer.kind === 'response' && answer.status).toBe(200);
    expect(answer.vias).toHaveLength(1);
    expect(answer.to.tag).toBeDefined();
  });
});

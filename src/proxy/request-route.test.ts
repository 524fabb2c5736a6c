import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyHarness, responseTo, sentMessage } from '../../test/support/proxy-harness.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { parseConfigText } from '../config/load-config.js';
import { PeerDirectory } from '../peers/peer-directory.js';
import { REQUEST_ROUTE } from './request-route.js';

function directory(): PeerDirectory {
  const parsed = parseConfigText(
    'domains: [a.example.com]\ndiscovery: { allow: [b.example.net], deny: [evil.example] }\n',
    'test',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return new PeerDirectory(parsed.config);
}

function message(from: string, uri: string): string {
  return [
    `MESSAGE ${uri} SIP/2.0`,
    `Via: SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bK-route-${from.length}-${uri.length};rport`,
    'Max-Forwards: 70',
    `From: <${from}>;tag=f1`,
    `To: <${uri}>`,
    `Call-ID: route-${from}-${uri}`,
    'CSeq: 1 MESSAGE',
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

const CHANNELS = ['received', 'decided', 'relayed', 'answered'] as const;

/** Every lifecycle event published while subscribed, as `<channel> <decision>`. */
function recordLifecycle(): { events: string[]; stop: () => void } {
  const events: string[] = [];
  const handlers = CHANNELS.map((name) => {
    const handler = (message: unknown) => {
      const decision = (message as { decision?: string }).decision;
      events.push(decision === undefined ? name : `${name} ${decision}`);
    };
    diagnostics.subscribe(`simple-edge:request:${name}`, handler);
    return [name, handler] as const;
  });
  return {
    events,
    stop: () => handlers.forEach(([name, handler]) => diagnostics.unsubscribe(`simple-edge:request:${name}`, handler)),
  };
}

describe('S3 the request route', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('S3 lists admission, validation, loop, authority, federation, policy, routing and relay in that order', () => {
    expect(REQUEST_ROUTE.map((step) => `${step.id} ${step.name}`)).toEqual([
      'O5 draining',
      'Y4 pending-bound',
      'Y4 syntax',
      'S3 uri-scheme',
      'S3 max-forwards',
      'S3 proxy-require',
      'S3 cancel',
      'S3 loop',
      'F7 implicit-authority',
      'D1 federation',
      'I2 internal-authentication',
      'G1 inbound-policy',
      'S3 routing',
      'F7 outbound-origin',
      'G1 outbound-policy',
      'S3 relay',
    ]);
  });

  it('D1 in shadow mode records the refusal of a denied peer and relays its request', async () => {
    const edge = new ProxyHarness({ federation: directory() });
    edge.proxy.reconfigure({ routeModeOf: (step) => (step === 'federation' ? 'shadow' : undefined) });
    const peer = new RecordingFlow({ side: 'external', protocol: 'tcp' });
    await edge.receive(message('sip:mallory@evil.example', 'sip:alice@a.example.com'), peer);
    expect(edge.target('10.0.0.5:5060').sent).toHaveLength(1);
    const decisions = (await edge.metrics.policyDecisions.get()).values;
    expect(decisions).toMatchObject([{ labels: { rule: 'federation', verdict: 'shadow-reply-403' }, value: 1 }]);
  });

  it('S3 a step that is an RFC 3261 MUST is enforced whatever policy.rules says', async () => {
    const edge = new ProxyHarness();
    edge.proxy.reconfigure({ routeModeOf: () => 'off' });
    const client = edge.client();
    await edge.receive(message('sip:alice@a.example.com', 'sip:bob@b.example.net').replace('70', '0'), client);
    expect(client.sentStartLines).toEqual(['SIP/2.0 483 Too Many Hops']);
  });

  it('S3 publishes received, decided, relayed and answered for a relayed request', async () => {
    const recorded = recordLifecycle();
    stop = recorded.stop;
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(message('sip:alice@a.example.com', 'sip:bob@b.example.net'), client);
    const target = edge.target('198.51.100.20:5061');
    await edge.receive(responseTo(sentMessage(target), 200, 'OK'), target);
    expect(recorded.events).toEqual(['received', 'decided relayed', 'relayed', 'answered relayed']);
  });

  it('D1 publishes received, decided and answered for a request answered at the edge', async () => {
    const recorded = recordLifecycle();
    stop = recorded.stop;
    const edge = new ProxyHarness({ federation: directory() });
    const peer = new RecordingFlow({ side: 'external', protocol: 'tcp' });
    await edge.receive(message('sip:mallory@evil.example', 'sip:alice@a.example.com'), peer);
    expect(recorded.events).toEqual(['received', 'decided D1 PEER_DENIED', 'answered D1 PEER_DENIED']);
  });
});

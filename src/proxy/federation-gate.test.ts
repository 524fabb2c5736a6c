import { describe, expect, it } from 'vitest';
import { ProxyHarness } from '../../test/support/proxy-harness.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { parseConfigText } from '../config/load-config.js';
import { PeerDirectory } from '../peers/peer-directory.js';

function directory(): PeerDirectory {
  const parsed = parseConfigText(
    'domains: [a.example.com]\ndiscovery: { allow: [b.example.net], deny: [evil.example] }\n',
    'test',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return new PeerDirectory(parsed.config);
}

function message(fromDomain: string, extra: string[] = [], uri = 'sip:alice@a.example.com', toTag?: string): string {
  return [
    `MESSAGE ${uri} SIP/2.0`,
    `Via: SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bK-${fromDomain}-${uri.length};rport`,
    'Max-Forwards: 70',
    `From: <sip:mallory@${fromDomain}>;tag=f1`,
    `To: <sip:alice@a.example.com>${toTag === undefined ? '' : `;tag=${toTag}`}`,
    `Call-ID: gate-${fromDomain}-${uri}`,
    'CSeq: 1 MESSAGE',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

function statuses(flow: RecordingFlow): number[] {
  return flow.sentStartLines.map((line) => Number(line.split(' ')[1]));
}

describe('D1 static provisioning at the proxy', () => {
  it('D1 MUST answer 403 to a request whose From names a denied peer domain', async () => {
    const edge = new ProxyHarness({ federation: directory() });
    const peer = new RecordingFlow({ side: 'external', protocol: 'tcp' });
    await edge.receive(message('evil.example'), peer);
    expect(statuses(peer)).toEqual([403]);
    expect(peer.sentStartLines[0]).toContain('Peer Domain Denied');
    expect(edge.targets.size).toBe(0);
  });

  it('D1 MUST answer 403 in closed federation to a peer domain neither routed, allowed nor agreed', async () => {
    const edge = new ProxyHarness({ federation: directory() });
    const peer = new RecordingFlow({ side: 'external', protocol: 'tcp' });
    await edge.receive(message('x.example.org'), peer);
    expect(statuses(peer)).toEqual([403]);
  });

  it('D1 MUST relay a request from a provisioned peer domain', async () => {
    const edge = new ProxyHarness({ federation: directory() });
    const peer = new RecordingFlow({ side: 'external', protocol: 'tcp' });
    await edge.receive(message('b.example.net'), peer);
    expect(edge.target('10.0.0.5:5060').sent).toHaveLength(1);
  });
});

describe("F4 in-dialog requests find the peer's connection", () => {
  it('F4 MUST name the peer of an in-dialog request routed to an address after its To domain', async () => {
    const edge = new ProxyHarness();
    const inside = new RecordingFlow({
      side: 'internal',
      protocol: 'tcp',
      remote: { address: '10.0.0.6', port: 5060 },
    });
    const request = message(
      'a.example.com',
      [
        'Route: <sip:192.0.2.1:5060;transport=tcp;lr>, <sip:203.0.113.1:5061;transport=tls;lr>, <sip:198.51.100.30:5061;transport=tls;lr>',
      ],
      'sip:bob@198.51.100.31:5061;transport=tls',
      'b1',
    ).replace('To: <sip:alice@a.example.com>', 'To: <sip:bob@b.example.net>');
    await edge.receive(request, inside);
    expect(edge.connected).toMatchObject([{ address: '198.51.100.30', side: 'external', servername: 'b.example.net' }]);
  });
});

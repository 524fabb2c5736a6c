// SPEC I6 through the whole edge (inject(), no socket): a client behind a NAT registers with RFC 5626
// outbound on the built-in registrar, and a peer's MESSAGE for it leaves over the flow the REGISTER
// came on, not towards the Contact it wrote.
import { afterEach, describe, expect, it } from 'vitest';
import { expectedResponse, ha1 } from '../community/digest-algorithm.js';
import { MemoryStore } from '../state/memory-store.js';
import type { Edge } from './edge-types.js';
import { startVirtualEdge } from '../../test/support/virtual-edge.js';

const CONFIG = `
domains: [a.example.com]
listen:
  internal:
    - { transport: tcp, address: 192.0.2.10, port: 5060 }
  external:
    - { transport: tls, address: 203.0.113.1, port: 5061 }
internal: { registrar: builtin, presence: builtin, outbound: { flowTimerSeconds: 45 } }
discovery: { allow: [b.example.net] }
state: { backend: memory }
`;
const NAT = { address: '198.51.100.200', port: 40_001 };

let edge: Edge | undefined;

afterEach(async () => {
  await edge?.stop(0);
  edge = undefined;
});

function request(lines: string[]): string {
  return [...lines, 'Content-Length: 0', '', ''].join('\r\n');
}

function register(cseq: number, authorization?: string): string {
  return request([
    'REGISTER sip:a.example.com SIP/2.0',
    `Via: SIP/2.0/TCP 192.0.2.1:9;branch=z9hG4bK-ob-reg${cseq};rport`,
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=r1',
    'To: <sip:alice@a.example.com>',
    'Call-ID: outbound-register-1',
    `CSeq: ${cseq} REGISTER`,
    'Supported: path, outbound',
    'Contact: <sip:alice@192.0.2.1:9;transport=tcp;ob>;reg-id=1;+sip.instance="<urn:uuid:0000-1>"',
    'Expires: 600',
    ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
  ]);
}

function authorization(challenge: string): string {
  const nonce = /nonce="([^"]*)"/.exec(challenge)?.[1] ?? '';
  const response = expectedResponse({
    algorithm: 'MD5',
    ha1: ha1('MD5', 'alice', 'a.example.com', 'secret'),
    method: 'REGISTER',
    uri: 'sip:a.example.com',
    nonce,
  });
  return `Digest username="alice", realm="a.example.com", nonce="${nonce}", uri="sip:a.example.com", response="${response}", algorithm=MD5`;
}

describe('I6 RFC 5626 outbound through the edge', () => {
  it('I6 a peer MESSAGE for a user registered with outbound leaves over the flow the REGISTER came on, not to its Contact', async () => {
    edge = await startVirtualEdge(CONFIG, { store: new MemoryStore() });
    await edge.community!.directory.add({ address: 'alice@a.example.com', password: 'secret', realm: 'a.example.com' });

    const challenged = await edge.inject(register(1), { side: 'internal', remote: NAT });
    const challenge = challenged.responses[0]?.headers.get('www-authenticate') ?? '';
    const registered = await edge.inject(register(2, authorization(challenge)), { side: 'internal', remote: NAT });
    const ok = registered.responses[0];
    expect([ok?.status, ok?.headers.get('require'), ok?.headers.get('flow-timer')]).toEqual([200, 'outbound', '45']);

    const relayed = await edge.inject(
      request([
        'MESSAGE sip:alice@a.example.com SIP/2.0',
        'Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-ob-msg1',
        'Max-Forwards: 70',
        'From: <sip:bob@b.example.net>;tag=m1',
        'To: <sip:alice@a.example.com>',
        'Call-ID: outbound-message-1',
        'CSeq: 1 MESSAGE',
      ]),
      { side: 'external', peer: 'b.example.net' },
    );
    const [hop] = relayed.forwarded;
    expect(hop?.request.requestUriText).toBe('sip:alice@192.0.2.1:9;transport=tcp;ob');
    expect(hop?.destination).toMatchObject({ side: 'internal', protocol: 'tcp', ...NAT });
    const text = await edge.metrics.registry.getSingleMetricAsString('simple_edge_outbound_bindings_total');
    expect(text).toContain('simple_edge_outbound_bindings_total{event="made"} 1');
  });
});

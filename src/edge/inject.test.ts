// inject(): requests through the whole edge (transaction layer, proxy core, policy, router, built-in
// community) with no socket at all, and the next hop's answers fed back in.

import { afterEach, describe, expect, it } from 'vitest';
import { expectedResponse, ha1, namedAlgorithm } from '../community/digest-algorithm.js';
import { parseConfigText } from '../config/load-config.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { createEdge } from './create-edge.js';
import type { Edge } from './edge-types.js';
import { startVirtualEdge, VIRTUAL_BORDER } from '../../test/support/virtual-edge.js';

const CONFIG = VIRTUAL_BORDER;

let edge: Edge | undefined;

afterEach(async () => {
  await edge?.stop(0);
  edge = undefined;
});

async function virtualEdge(): Promise<Edge> {
  edge = await startVirtualEdge(CONFIG, { listen: false });
  return edge;
}

function request(lines: string[]): string {
  return [...lines, 'Content-Length: 0', '', ''].join('\r\n');
}

function register(authorization?: string): string {
  return request([
    'REGISTER sip:a.example.com SIP/2.0',
    'Via: SIP/2.0/TCP 10.0.0.99:5070;branch=z9hG4bK-reg' + (authorization === undefined ? '1' : '2'),
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=r1',
    'To: <sip:alice@a.example.com>',
    'Call-ID: register-1',
    `CSeq: ${authorization === undefined ? 1 : 2} REGISTER`,
    'Contact: <sip:alice@10.0.0.99:5070;transport=tcp>',
    'Expires: 3600',
    ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
  ]);
}

/** The Authorization answering a registrar's challenge (RFC 3261 §22.4, without qop for brevity). */
function answerChallenge(challenge: string, password: string): string {
  const param = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1] ?? '';
  const algorithm = namedAlgorithm(/algorithm=([A-Za-z0-9-]+)/.exec(challenge)?.[1]);
  if (algorithm === undefined) throw new Error(`unsupported challenge: ${challenge}`);
  const [realm, nonce, uri] = [param('realm'), param('nonce'), 'sip:a.example.com'];
  const qop = /qop="?auth/.test(challenge) ? { nc: '00000001', cnonce: 'c0ffee' } : undefined;
  const response = expectedResponse({
    algorithm,
    ha1: ha1(algorithm, 'alice', realm, password),
    method: 'REGISTER',
    uri,
    nonce,
    ...(qop === undefined ? {} : { qop }),
  });
  const qopParams = qop === undefined ? '' : `, qop=auth, nc=${qop.nc}, cnonce="${qop.cnonce}"`;
  return `Digest username="alice", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${algorithm}${qopParams}`;
}

function messageFromPeer(from = 'sip:bob@b.example.net'): string {
  return request([
    'MESSAGE sip:alice@a.example.com SIP/2.0',
    'Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-msg1',
    'Max-Forwards: 70',
    `From: <${from}>;tag=m1`,
    'To: <sip:alice@a.example.com>',
    'Call-ID: message-1',
    'CSeq: 1 MESSAGE',
  ]);
}

describe('edge.inject()', () => {
  it('I2 F7 an inbound MESSAGE from a peer reaches the binding the built-in registrar holds; its 200 comes back', async () => {
    const edge = await virtualEdge();
    await edge.listen();
    const community = edge.community;
    if (community === undefined) throw new Error('no built-in community');
    await community.directory.add({ address: 'sip:alice@a.example.com', password: 'secret', realm: community.realm });

    const challenged = await edge.inject(register(), { side: 'internal' });
    expect(challenged.responses.map((r) => r.status)).toEqual([401]);
    const challenge = challenged.responses[0]?.headers.get('www-authenticate') ?? '';
    const registered = await edge.inject(register(answerChallenge(challenge, 'secret')), { side: 'internal' });
    expect(registered.responses.map((r) => r.status)).toEqual([200]);

    const relayed = await edge.inject(messageFromPeer(), { side: 'external', peer: 'b.example.net' });
    expect(relayed.responses).toEqual([]);
    expect(relayed.forwarded).toHaveLength(1);
    const [hop] = relayed.forwarded;
    expect(hop?.request.method).toBe('MESSAGE');
    expect(hop?.request.requestUri).toMatchObject({ user: 'alice', host: '10.0.0.99', port: 5070 });
    expect(hop?.destination).toMatchObject({ side: 'internal', address: '10.0.0.99', port: 5070, protocol: 'tcp' });

    if (hop === undefined) throw new Error('nothing forwarded');
    const answered = await hop.respond(200);
    expect(answered.responses.map((r) => r.status)).toEqual([200]);
    expect(answered.responses[0]?.headers.get('call-id')).toBe('message-1');
  });

  it('F1 D1 an outbound MESSAGE goes over TLS to the static next hop of the peer, and its answer comes back', async () => {
    const edge = await virtualEdge();
    const sent = await edge.inject(
      request([
        'MESSAGE sip:bob@b.example.net SIP/2.0',
        'Via: SIP/2.0/TCP 10.0.0.99:5070;branch=z9hG4bK-out1',
        'Max-Forwards: 70',
        'From: <sip:alice@a.example.com>;tag=o1',
        'To: <sip:bob@b.example.net>',
        'Call-ID: outbound-1',
        'CSeq: 1 MESSAGE',
      ]),
      { side: 'internal' },
    );
    expect(sent.responses).toEqual([]);
    expect(sent.forwarded.map((f) => f.destination)).toMatchObject([
      { side: 'external', protocol: 'tls', address: '198.51.100.20', port: 5061, servername: 'b.example.net' },
    ]);
    const answered = await sent.forwarded[0]?.respond(202);
    expect(answered?.responses.map((r) => r.status)).toEqual([202]);
  });

  it('Y4 a malformed request is answered 400 on its own flow and goes nowhere', async () => {
    const edge = await virtualEdge();
    const result = await edge.inject(
      request([
        'MESSAGE sip:alice@a.example.com SIP/2.0',
        'Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-bad1',
        'Max-Forwards: 70',
        'From: <sip:bob@b.example.net>;tag=m1',
        'To: <sip:alice@a.example.com>',
        'Call-ID: malformed-1',
        'CSeq: one MESSAGE',
      ]),
      { side: 'external', peer: 'b.example.net' },
    );
    expect(result.responses.map((r) => r.status)).toEqual([400]);
    expect(result.forwarded).toEqual([]);
  });

  it('F7 a request whose From domain is not the authenticated peer gets the policy answer, and goes nowhere', async () => {
    const edge = await virtualEdge();
    const result = await edge.inject(messageFromPeer('sip:mallory@c.example.org'), {
      side: 'external',
      peer: 'b.example.net',
    });
    expect(result.responses.map((r) => [r.status, r.headers.get('warning')])).toEqual([
      [403, '399 simple-edge "c.example.org is not a domain this connection is authenticated for"'],
    ]);
    expect(result.forwarded).toEqual([]);
  });

  it('D1 a request from a peer the closed federation does not admit is refused', async () => {
    const edge = await virtualEdge();
    const result = await edge.inject(messageFromPeer('sip:eve@c.example.org'), {
      side: 'external',
      peer: 'c.example.org',
    });
    expect(result.responses.map((r) => [r.status, r.headers.get('warning')])).toEqual([
      [403, '399 simple-edge "Peer Not Allowed"'],
    ]);
    expect(result.forwarded).toEqual([]);
  });

  it('O3 an edge with sockets refuses inject() rather than open a socket for it', async () => {
    const parsed = parseConfigText(CONFIG.replace('tls, address: 203', 'tcp, address: 203'), 'test');
    if (!parsed.ok) throw new Error('config');
    const withSockets = createEdge({ config: parsed.config, clock: new FakeClock() });
    await expect(withSockets.inject(messageFromPeer(), { side: 'internal' })).rejects.toThrow(/virtual/);
  });
});

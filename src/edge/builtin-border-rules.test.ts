// The built-in registrar and presence server answer in process; what they send to a peer meets the
// same border rules as what a community server behind the edge sends: their answers the response
// chain (P2 here), the presence server's NOTIFYs the outbound chain (P8). Through the whole edge
// with inject(), no socket.

import { afterEach, describe, expect, it } from 'vitest';
import type { Edge } from './edge-types.js';
import type { ForwardedRequest, InjectResult } from './inject.js';
import { MemoryStore } from '../state/memory-store.js';
import { startVirtualEdge, VIRTUAL_BORDER } from '../../test/support/virtual-edge.js';

const CONFIG = VIRTUAL_BORDER;

const PEER = { side: 'external', peer: 'b.example.net' } as const;
const INSIDE = { side: 'internal' } as const;

let edge: Edge | undefined;

afterEach(async () => {
  await edge?.stop(0);
  edge = undefined;
});

async function builtinEdge(): Promise<Edge> {
  let wall = 1_700_000_000_000;
  edge = await startVirtualEdge(CONFIG, {
    store: new MemoryStore({ now: () => wall }),
    wallClock: () => (wall += 1000),
  });
  await edge.community!.directory.add({ address: 'sip:alice@a.example.com', password: 'pw', realm: 'a.example.com' });
  return edge;
}

function message(lines: string[], body = ''): string {
  return [...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

function peerMessage(callId: string, to: string): string {
  return message(
    [
      `MESSAGE sip:${to}@a.example.com SIP/2.0`,
      `Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-${callId}`,
      'Max-Forwards: 70',
      'From: <sip:bob@b.example.net>;tag=m1',
      `To: <sip:${to}@a.example.com>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 MESSAGE',
      'Content-Type: text/plain',
    ],
    'are you there?',
  );
}

function peerSubscribe(cseq: number, toTag?: string): string {
  return message([
    `SUBSCRIBE sip:alice@a.example.com SIP/2.0`,
    `Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-sub${cseq}`,
    'Max-Forwards: 70',
    'From: <sip:bob@b.example.net>;tag=w1',
    `To: <sip:alice@a.example.com>${toTag === undefined ? '' : `;tag=${toTag}`}`,
    'Call-ID: watch-1@b.example.net',
    `CSeq: ${cseq} SUBSCRIBE`,
    'Event: presence',
    'Accept: application/pidf+xml',
    'Contact: <sip:bob@198.51.100.7:5061;transport=tls>',
    'Expires: 3600',
  ]);
}

function publish(status: 'open' | 'closed', etag?: string): string {
  const pidf =
    '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@a.example.com">' +
    `<tuple id="t1"><status><basic>${status}</basic></status></tuple></presence>`;
  return message(
    [
      'PUBLISH sip:alice@a.example.com SIP/2.0',
      `Via: SIP/2.0/TCP 10.0.0.99:5070;branch=z9hG4bK-pub-${status}`,
      'Max-Forwards: 70',
      'From: <sip:alice@a.example.com>;tag=p1',
      'To: <sip:alice@a.example.com>',
      `Call-ID: publish-${status}`,
      'CSeq: 1 PUBLISH',
      'Event: presence',
      'Expires: 3600',
      ...(etag === undefined ? [] : [`SIP-If-Match: ${etag}`]),
      'Content-Type: application/pidf+xml',
    ],
    pidf,
  );
}

function notifies(result: InjectResult): ForwardedRequest[] {
  return result.forwarded.filter((f) => f.request.method === 'NOTIFY' && f.destination.side === 'external');
}

async function decisions(target: Edge, rule: string): Promise<Record<string, number>> {
  const counted: Record<string, number> = {};
  for (const { labels, value } of (await target.metrics.policyDecisions.get()).values)
    if (labels.rule === rule) counted[String(labels.verdict)] = value;
  return counted;
}

describe('P2 and the response chain on built-in answers', () => {
  it('P2 answers an automatic retry of a MESSAGE the built-in registrar refused with 404 at the border', async () => {
    const target = await builtinEdge();
    const first = await target.inject(peerMessage('retry-1', 'nobody'), PEER);
    expect(first.responses.map((r) => r.status)).toEqual([404]);
    expect(first.responses[0]?.headers.get('warning') ?? '').not.toMatch(/P2/);

    // A retry with a new Call-ID and the same content: answered by the border rule, not the registrar.
    const retry = await target.inject(peerMessage('retry-2', 'nobody'), PEER);
    expect(retry.responses.map((r) => r.status)).toEqual([404]);
    expect(retry.responses[0]?.headers.get('warning')).toMatch(/P2 repeated request answered at the border/);
    expect(await decisions(target, 'retry-memory')).toEqual({ 'reply-404': 1 });
  });

  it("P2 remembers the built-in registrar's 480 for a user without a binding, and replays it to a retry", async () => {
    const target = await builtinEdge();
    const first = await target.inject(peerMessage('offline-1', 'alice'), PEER);
    expect(first.responses.map((r) => r.status)).toEqual([480]);
    const retry = await target.inject(peerMessage('offline-2', 'alice'), PEER);
    expect(retry.responses.map((r) => [r.status, /P2/.test(r.headers.get('warning') ?? '')])).toEqual([[480, true]]);
  });
});

describe('P8 on the NOTIFYs of the built-in presence server', () => {
  it('P8 lets the initial NOTIFY and a change cross, holds back an unchanged one within the interval, and lets the terminating one cross', async () => {
    const target = await builtinEdge();
    await target.inject(publish('open'), INSIDE);

    const subscribed = await target.inject(peerSubscribe(1), PEER);
    expect(subscribed.responses.map((r) => r.status)).toEqual([200]);
    const toTag = subscribed.responses[0]!.to.tag!;
    expect(notifies(subscribed)).toHaveLength(1);

    // A refresh makes the presence server send the same state again (RFC 6665 §4.2.1.2): P8 holds it back.
    const refreshed = await target.inject(peerSubscribe(2, toTag), PEER);
    expect(refreshed.responses.map((r) => r.status)).toEqual([200]);
    expect(notifies(refreshed)).toEqual([]);
    expect(await decisions(target, 'notify-rate')).toEqual({ 'absorb-200': 1 });

    // A change of state always crosses.
    const changed = await target.inject(publish('closed'), INSIDE);
    expect(notifies(changed).map((n) => n.request.body.toString())).toEqual([expect.stringContaining('closed')]);

    // So does the NOTIFY that ends the subscription.
    const ended = await target.inject(peerSubscribe(3, toTag).replace('Expires: 3600', 'Expires: 0'), PEER);
    expect(ended.responses.map((r) => r.status)).toEqual([200]);
    expect(notifies(ended).map((n) => n.request.headers.get('subscription-state'))).toEqual([
      expect.stringMatching(/^terminated/),
    ]);
  });

  it('P8 leaves NOTIFYs to a watcher inside the community alone', async () => {
    const target = await builtinEdge();
    await target.inject(publish('open'), INSIDE);
    const inside = (cseq: number, toTag?: string) =>
      peerSubscribe(cseq, toTag)
        .replace('From: <sip:bob@b.example.net>', 'From: <sip:carol@a.example.com>')
        .replace('Via: SIP/2.0/TLS 198.51.100.7:5061', 'Via: SIP/2.0/TCP 10.0.0.98:5070')
        .replace('<sip:bob@198.51.100.7:5061;transport=tls>', '<sip:carol@10.0.0.98:5070;transport=tcp>');
    const subscribed = await target.inject(inside(1), { ...INSIDE, remote: { address: '10.0.0.98', port: 5070 } });
    expect(subscribed.responses.map((r) => r.status)).toEqual([200]);
    const toTag = subscribed.responses[0]!.to.tag!;
    const refreshed = await target.inject(inside(2, toTag), {
      ...INSIDE,
      remote: { address: '10.0.0.98', port: 5070 },
    });
    expect(refreshed.forwarded.filter((f) => f.request.method === 'NOTIFY')).toHaveLength(1);
    expect(await decisions(target, 'notify-rate')).toEqual({});
  });
});

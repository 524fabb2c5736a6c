// I4 judged by what leaves the edge on its external side, not by its logs: the whole edge with
// topology hiding on, the built-in registrar and presence server, and every message it sends towards
// the peer captured (inject() records each send on the virtual network). A MESSAGE, a subscription
// the community starts (NOTIFY in, unsubscription out), and one a peer starts with the built-in presence
// server (its NOTIFYs out): no internal Call-ID, Via or Record-Route crosses, and the dialogs work.

import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { MemoryStore } from '../state/memory-store.js';
import type { Edge } from './edge-types.js';
import type { InjectResult } from './inject.js';
import { startVirtualEdge, VIRTUAL_BORDER } from '../../test/support/virtual-edge.js';

const CONFIG = VIRTUAL_BORDER + 'community: { topologyHiding: true }\n';

const PEER = { side: 'external', peer: 'b.example.net' } as const;
const ALICE_PHONE = { side: 'internal', remote: { address: '10.0.0.99', port: 5070 } } as const;
/** What names the community: its hosts, the edge's internal listener, and the Call-IDs its phones wrote. */
const INTERNAL = /10\.0\.0\.|192\.0\.2\.1|inside-/;

let edge: Edge | undefined;

afterEach(async () => {
  await edge?.stop(0);
  edge = undefined;
});

/** Everything the edge sent to the external side because of the injections so far. */
class EgressLog {
  readonly messages: IncomingMessage[] = [];

  note(result: InjectResult, side: 'internal' | 'external'): InjectResult {
    if (side === 'external') this.messages.push(...result.responses);
    for (const forwarded of result.forwarded)
      if (forwarded.destination.side === 'external') this.messages.push(forwarded.request);
    return result;
  }
}

function message(lines: string[], body = ''): string {
  return [...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

function fromInside(lines: string[], body?: string): string {
  return message(
    [
      lines[0]!,
      'Via: SIP/2.0/TCP 10.0.0.99:5070;branch=z9hG4bK-' + Math.random().toString(36).slice(2),
      ...lines.slice(1),
    ],
    body,
  );
}

function pidf(entity: string, basic: 'open' | 'closed'): string {
  return (
    `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${entity}">` +
    `<tuple id="t1"><status><basic>${basic}</basic></status></tuple></presence>`
  );
}

async function hidingEdge(): Promise<Edge> {
  edge = await startVirtualEdge(CONFIG, { store: new MemoryStore({ now: () => 1_700_000_000_000 }) });
  await edge.community!.directory.add({ address: 'sip:alice@a.example.com', password: 'pw', realm: 'a.example.com' });
  return edge;
}

describe('I4 topology hiding, seen from outside', () => {
  it("I4 lets no internal Call-ID, Via or Record-Route cross for a MESSAGE, a subscription either side starts, and the built-in presence server's NOTIFYs", async () => {
    const target = await hidingEdge();
    const egress = new EgressLog();

    // A MESSAGE from inside, and its answer.
    const sentMessage = egress.note(
      await target.inject(
        fromInside(
          [
            'MESSAGE sip:bob@b.example.net SIP/2.0',
            'Max-Forwards: 70',
            'From: <sip:alice@a.example.com>;tag=m1',
            'To: <sip:bob@b.example.net>',
            'Call-ID: inside-message-1@10.0.0.99',
            'CSeq: 1 MESSAGE',
            'Content-Type: text/plain',
          ],
          'hello',
        ),
        ALICE_PHONE,
      ),
      'internal',
    );
    expect(sentMessage.forwarded).toHaveLength(1);
    const messageAnswered = await sentMessage.forwarded[0]!.respond(200);
    expect(messageAnswered.responses[0]?.headers.get('call-id')).toBe('inside-message-1@10.0.0.99');

    // alice watches bob: SUBSCRIBE out, 200 back in, bob's NOTIFY in, alice's 200 out, her unsubscription out.
    const subscribed = egress.note(
      await target.inject(
        fromInside([
          'SUBSCRIBE sip:bob@b.example.net SIP/2.0',
          'Max-Forwards: 70',
          'From: <sip:alice@a.example.com>;tag=w1',
          'To: <sip:bob@b.example.net>',
          'Call-ID: inside-watch-1@10.0.0.99',
          'CSeq: 1 SUBSCRIBE',
          'Event: presence',
          'Contact: <sip:alice@10.0.0.99:5070;transport=tcp>',
          'Expires: 3600',
        ]),
        ALICE_PHONE,
      ),
      'internal',
    );
    const outSubscribe = subscribed.forwarded[0]!.request;
    const peerCallId = outSubscribe.headers.get('call-id')!;
    const recordRoute = outSubscribe.headers.values('record-route');
    const accepted = await subscribed.forwarded[0]!.respond(200, {
      headers: [
        ...recordRoute.map((value): [string, string] => ['Record-Route', value]),
        ['Contact', '<sip:bob@198.51.100.50:5061;transport=tls>'],
        ['Expires', '3600'],
      ],
    });
    const aliceSees = accepted.responses[0]!;
    expect(aliceSees.headers.get('call-id')).toBe('inside-watch-1@10.0.0.99');
    const bobTag = aliceSees.to.tag!;

    const sealedContact = /<([^>]+)>/.exec(outSubscribe.headers.get('contact')!)![1]!;
    const notifyIn = await target.inject(
      message(
        [
          `NOTIFY ${sealedContact} SIP/2.0`,
          'Via: SIP/2.0/TLS 198.51.100.50:5061;branch=z9hG4bK-n1',
          ...[...recordRoute].reverse().map((value) => `Route: ${value}`),
          'Max-Forwards: 70',
          `From: <sip:bob@b.example.net>;tag=${bobTag}`,
          'To: <sip:alice@a.example.com>;tag=w1',
          `Call-ID: ${peerCallId}`,
          'CSeq: 1 NOTIFY',
          'Event: presence',
          'Subscription-State: active;expires=3600',
          'Contact: <sip:bob@198.51.100.50:5061;transport=tls>',
          'Content-Type: application/pidf+xml',
        ],
        pidf('sip:bob@b.example.net', 'open'),
      ),
      PEER,
    );
    const delivered = notifyIn.forwarded[0]!;
    expect(delivered.destination).toMatchObject({ side: 'internal', address: '10.0.0.99', port: 5070 });
    expect(delivered.request.headers.get('call-id')).toBe('inside-watch-1@10.0.0.99');
    egress.note(await delivered.respond(200), 'external');

    const aliceRoutes = [...aliceSees.headers.values('record-route')].reverse();
    const refreshed = egress.note(
      await target.inject(
        fromInside([
          'SUBSCRIBE sip:bob@198.51.100.50:5061;transport=tls SIP/2.0',
          ...aliceRoutes.map((value) => `Route: ${value}`),
          'Max-Forwards: 70',
          'From: <sip:alice@a.example.com>;tag=w1',
          `To: <sip:bob@b.example.net>;tag=${bobTag}`,
          'Call-ID: inside-watch-1@10.0.0.99',
          'CSeq: 2 SUBSCRIBE',
          'Event: presence',
          'Contact: <sip:alice@10.0.0.99:5070;transport=tcp>',
          // An unchanged refresh this early P7 answers itself; the unsubscription crosses.
          'Expires: 0',
        ]),
        ALICE_PHONE,
      ),
      'internal',
    );
    expect(refreshed.forwarded.map((f) => f.request.headers.get('call-id'))).toEqual([peerCallId]);

    // bob watches alice at the built-in presence server: its NOTIFYs leave with bob's own Call-ID.
    egress.note(
      await target.inject(
        fromInside(
          [
            'PUBLISH sip:alice@a.example.com SIP/2.0',
            'Max-Forwards: 70',
            'From: <sip:alice@a.example.com>;tag=p1',
            'To: <sip:alice@a.example.com>',
            'Call-ID: inside-publish-1@10.0.0.99',
            'CSeq: 1 PUBLISH',
            'Event: presence',
            'Expires: 3600',
            'Content-Type: application/pidf+xml',
          ],
          pidf('sip:alice@a.example.com', 'open'),
        ),
        ALICE_PHONE,
      ),
      'internal',
    );
    const watched = egress.note(
      await target.inject(
        message([
          'SUBSCRIBE sip:alice@a.example.com SIP/2.0',
          'Via: SIP/2.0/TLS 198.51.100.50:5061;branch=z9hG4bK-s1',
          'Max-Forwards: 70',
          'From: <sip:bob@b.example.net>;tag=bw1',
          'To: <sip:alice@a.example.com>',
          'Call-ID: bob-watch-1@b.example.net',
          'CSeq: 1 SUBSCRIBE',
          'Event: presence',
          'Contact: <sip:bob@198.51.100.50:5061;transport=tls>',
          'Expires: 3600',
        ]),
        PEER,
      ),
      'external',
    );
    expect(watched.responses.map((r) => r.status)).toEqual([200]);
    const builtinNotifies = watched.forwarded.filter((f) => f.request.method === 'NOTIFY');
    expect(builtinNotifies.map((f) => f.request.headers.get('call-id'))).toEqual(['bob-watch-1@b.example.net']);
    // The presence server's Contact is the edge's own address: nothing to hide, left as it is.
    expect(builtinNotifies[0]!.request.headers.get('contact')).toBe('<sip:203.0.113.1:5061;transport=tls>');

    // The verdict, over everything that left towards the peer.
    const methods = egress.messages.map((m) => (m.kind === 'request' ? m.method : `${m.status}`));
    expect(methods).toEqual(['MESSAGE', 'SUBSCRIBE', '200', 'SUBSCRIBE', '200', 'NOTIFY']);
    for (const sent of egress.messages) {
      expect(sent.text, sent.text).not.toMatch(INTERNAL);
      if (sent.kind === 'request') expect(sent.vias).toHaveLength(1);
      for (const entry of sent.headers.values('record-route')) expect(entry).toMatch(/@?203\.0\.113\.1:5061/);
    }
    const hidden = (await target.metrics.topologyHidden.get()).values;
    expect(hidden.find((v) => v.labels.message === 'request' && v.labels.direction === 'out')?.value).toBe(3);
  });
});

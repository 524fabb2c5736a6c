// B1 (docs/SECURITY.md) at the proxy core: whatever Route set and Request-URI a client on the
// community's side writes, a request leaves towards another domain only over TLS to a peer routing
// admits, named as that peer (its certificate must prove it) — never in the clear, never to a host the
// request named outside the peer's domain. The harness serves a.example.com, with b.example.net as the
// one peer (static route 198.51.100.20/21:5061 TLS) and internal servers 10.0.0.5 and 10.0.0.6.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { ProxyHarness, sentMessage } from '../../test/support/proxy-harness.js';
import type { RecordingFlow } from '../../test/support/recording-flow.js';

const INTERNAL_SERVERS = new Set(['10.0.0.5:5060', '10.0.0.6:5060']);

interface Addressing {
  readonly method: string;
  readonly requestUri: string;
  readonly routes: readonly string[];
  /** The previous hop was a strict router: the Request-URI is the edge, the target the last Route. */
  readonly strict: boolean;
  readonly to: string;
  readonly inDialog: boolean;
  readonly transport: 'udp' | 'tcp';
}

function text(a: Addressing, n: number): string {
  const requestUri = a.strict ? 'sip:192.0.2.1:5060' : a.requestUri;
  const routes = a.strict ? [...a.routes, `<${a.requestUri}>`] : a.routes;
  return [
    `${a.method} ${requestUri} SIP/2.0`,
    `Via: SIP/2.0/${a.transport.toUpperCase()} pc.a.example.com:5070;branch=z9hG4bK-egress-${n};rport`,
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=a1',
    `To: <${a.to}>${a.inDialog ? ';tag=t1' : ''}`,
    `Call-ID: egress-${n}@a.example.com`,
    `CSeq: 1 ${a.method}`,
    ...(a.method === 'SUBSCRIBE' ? ['Event: presence', 'Contact: <sip:alice@10.0.0.99:5070>'] : []),
    ...(routes.length === 0 ? [] : [`Route: ${routes.join(', ')}`]),
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

const OWN_ROUTES = [
  '<sip:192.0.2.1:5060;lr>',
  '<sip:192.0.2.1:5060;transport=tcp;lr>',
  '<sip:203.0.113.1:5061;transport=tls;lr>',
];
const FOREIGN_ROUTES = [
  '<sip:198.51.100.20:5061;transport=tls;lr>',
  '<sip:evil.example.org;lr>',
  '<sip:198.51.100.66;lr>',
  '<sip:10.0.0.7:5060;lr>',
];
const REQUEST_URIS = [
  'sip:bob@b.example.net',
  'sips:bob@b.example.net',
  'sip:bob@b.example.net;maddr=198.51.100.66',
  'sip:bob@b.example.net;transport=udp',
  'sip:bob@198.51.100.20:5061;transport=tls',
  'sip:bob@198.51.100.20:5060;transport=udp',
  'sip:bob@198.51.100.66',
  'sip:carol@c.example.org',
  'sip:alice@a.example.com',
  'sip:alice@10.0.0.7:5070',
  'sip:192.0.2.1:5060',
];

const addressing: fc.Arbitrary<Addressing> = fc
  .record({
    method: fc.constantFrom('MESSAGE', 'SUBSCRIBE', 'OPTIONS'),
    requestUri: fc.constantFrom(...REQUEST_URIS),
    routes: fc
      .tuple(fc.subarray(OWN_ROUTES), fc.subarray(FOREIGN_ROUTES, { maxLength: 1 }))
      .map(([own, foreign]) => [...own, ...foreign]),
    strict: fc.boolean(),
    to: fc.constantFrom('sip:bob@b.example.net', 'sip:alice@a.example.com', 'sip:carol@c.example.org', 'same'),
    inDialog: fc.boolean(),
    transport: fc.constantFrom('udp' as const, 'tcp' as const),
  })
  .map((a) => ({ ...a, to: a.to === 'same' ? a.requestUri : a.to }));

/** The request is for the community: its To inside a dialog, else its Request-URI's domain (the To's when that is an address). */
function forCommunity(a: Addressing): boolean {
  const named = /^sips?:(?:[^@]*@)?([a-z.]+[a-z])(?:[:;]|$)/.exec(a.requestUri)?.[1];
  const domain = a.inDialog || named === undefined ? /@([^;>]+)/.exec(a.to)?.[1] : named;
  return domain === 'a.example.com';
}

/** Where the request may go inside: the configured servers, or an address it names when it is for the community. */
function mayGoInside(a: Addressing, address: string, port: number): boolean {
  if (INTERNAL_SERVERS.has(`${address}:${port}`)) return true;
  const named = (uri: string) => uri.includes(`@${address}`) || uri.includes(`:${address}`);
  return forCommunity(a) && (named(a.requestUri) || a.routes.some(named));
}

describe('B1 the outbound-proxy Route never decides where a request leaves (F2, F7, D1, RFC 3261 §16.4)', () => {
  it('MUST send a MESSAGE for a peer, preloaded with the edge as outbound proxy, to the peer over TLS', async () => {
    for (const route of OWN_ROUTES) {
      const edge = new ProxyHarness();
      await edge.receive(
        text(
          {
            method: 'MESSAGE',
            requestUri: 'sip:bob@b.example.net',
            routes: [route],
            strict: false,
            to: 'sip:bob@b.example.net',
            inDialog: false,
            transport: 'udp',
          },
          1,
        ),
        edge.client(),
      );
      expect(edge.connected).toEqual([
        expect.objectContaining({
          side: 'external',
          protocol: 'tls',
          address: '198.51.100.20',
          servername: 'b.example.net',
        }),
      ]);
      const forwarded = sentMessage(edge.target('198.51.100.20:5061'));
      expect(forwarded.headers.has('route')).toBe(false);
    }
  });

  it('MUST undo a strict-routing previous hop and still route on the target (§16.4)', async () => {
    const edge = new ProxyHarness();
    await edge.receive(
      text(
        {
          method: 'MESSAGE',
          requestUri: 'sip:bob@b.example.net',
          routes: [],
          strict: true,
          to: 'sip:bob@b.example.net',
          inDialog: false,
          transport: 'udp',
        },
        2,
      ),
      edge.client(),
    );
    expect(edge.connected).toEqual([
      expect.objectContaining({ side: 'external', protocol: 'tls', servername: 'b.example.net' }),
    ]);
  });

  it('MUST refuse a next hop outside the peer domain, and a plain transport to a peer', async () => {
    const cases: Array<[Partial<Addressing>, number]> = [
      [{ routes: ['<sip:192.0.2.1:5060;lr>', '<sip:evil.example.org;lr>'] }, 403],
      [{ requestUri: 'sip:bob@198.51.100.20:5060;transport=udp' }, 403],
      [{ requestUri: 'sip:bob@198.51.100.66', to: 'sip:bob@198.51.100.66' }, 404],
      [{ requestUri: 'sip:carol@c.example.org', to: 'sip:carol@c.example.org' }, 404],
    ];
    for (const [change, status] of cases) {
      const edge = new ProxyHarness();
      const client = edge.client();
      const base: Addressing = {
        method: 'MESSAGE',
        requestUri: 'sip:bob@b.example.net',
        routes: [],
        strict: false,
        to: 'sip:bob@b.example.net',
        inDialog: false,
        transport: 'udp',
      };
      await edge.receive(text({ ...base, ...change }, 3), client);
      expect(edge.connected, JSON.stringify(change)).toEqual([]);
      expect(statusOf(client), JSON.stringify(change)).toEqual([status]);
    }
  });

  it('D2 answers a next hop whose name does not resolve 404 with a Warning, not 500', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    // For the community (To and Request-URI ours), with an internal proxy's Route that names no host.
    const addressing: Addressing = {
      method: 'MESSAGE',
      requestUri: 'sip:alice@a.example.com',
      routes: ['<sip:192.0.2.1:5060;lr>', '<sip:gone.invalid;lr>'],
      strict: false,
      to: 'sip:alice@a.example.com',
      inDialog: false,
      transport: 'udp',
    };
    await edge.receive(text(addressing, 4), client);
    await vi.waitFor(() => expect(statusOf(client)).toEqual([404]));
    expect(sentMessage(client).headers.get('warning')).toMatch(/^399 /);
    expect(edge.connected).toEqual([]);
  });

  it('MUST, for any addressing a client writes, leave only over TLS to the admitted peer or answer at the edge', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(addressing, async (a) => {
        const edge = new ProxyHarness();
        const client = edge.client({ protocol: a.transport });
        await edge.receive(text(a, ++n), client);
        // A name in a Route may be looked up first: wait until the request left or was answered.
        await vi.waitFor(() =>
          expect(
            edge.connected.length > 0 || statusOf(client).some((s) => s >= 200),
            `${JSON.stringify(a)} got no answer`,
          ).toBe(true),
        );
        for (const target of edge.connected) {
          const where = `${target.address}:${target.port}`;
          if (target.side === 'external') {
            expect(target, `${JSON.stringify(a)} left towards ${where}`).toMatchObject({
              protocol: 'tls',
              servername: 'b.example.net',
            });
          } else {
            expect(mayGoInside(a, target.address, target.port), `${JSON.stringify(a)} went inside to ${where}`).toBe(
              true,
            );
          }
        }
      }),
      { seed: 16, numRuns: 400 },
    );
  });
});

function statusOf(flow: RecordingFlow): number[] {
  return flow.sentStartLines.map((line) => Number(line.split(' ')[1]));
}

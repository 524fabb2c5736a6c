import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { a, FakeDnsTransport, naptr, srv } from '../../test/support/fake-dns-transport.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { configSchema } from '../config/config-schema.js';
import { createDiscovery } from '../discovery/create-discovery.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import type { Side } from '../transport/flow.js';
import { DiscoveryRouter } from './discovery-router.js';
import type { InnerRouteDecision } from './route-types.js';

const NUMBER_DOMAIN = '0.0.1.0.5.5.5.2.0.2.1.e164.arpa';

function peerZone(): FakeDnsTransport {
  return new FakeDnsTransport().add(
    srv('_sips._tcp.b.example.net', 10, 0, 5061, 'edge.b.example.net'),
    a('edge.b.example.net', '192.0.2.10'),
    srv('_sips._tcp.c.example.org', 10, 0, 5061, 'edge.c.example.org'),
    a('edge.c.example.org', '192.0.2.30'),
    srv('_im._sip.b.example.net', 10, 0, 5061, 'im.b.example.net'),
    a('im.b.example.net', '192.0.2.11'),
    naptr(NUMBER_DOMAIN, 10, 10, 'u', 'E2U+sip', '!^.*$!sip:alice@b.example.net!'),
    naptr(NUMBER_DOMAIN, 10, 20, 'u', 'E2U+im', '!^.*$!im:alice@b.example.net!'),
    naptr('1.1.1.1.5.5.5.2.0.2.1.e164.arpa', 10, 10, 'u', 'E2U+sip', '!^.*$!sip:carol@a.example.com!'),
  );
}

function router(discovery: Record<string, unknown>, transport = peerZone()) {
  const config = configSchema.parse({
    domains: ['a.example.com'],
    internal: {
      registrar: [{ host: '10.0.0.5', port: 5060, transport: 'tcp' }],
      presence: [{ host: '10.0.0.6', port: 5060, transport: 'tcp' }],
    },
    routes: [{ domain: 'static.example.net', targets: [{ host: '192.0.2.99', port: 5061, transport: 'tls' }] }],
    discovery: { resolvers: ['192.0.2.53:53'], transports: ['tls'], ...discovery },
  });
  const clock = new FakeClock();
  return new DiscoveryRouter({ config, clock, discovery: createDiscovery(config.discovery, { clock, transport }) });
}

function request(method: string, uri: string, event?: string): IncomingRequest {
  const frame = parseDatagram(
    sip(
      [
        `${method} ${uri} SIP/2.0`,
        'Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1',
        'Max-Forwards: 70',
        'From: <sip:bob@a.example.com>;tag=1',
        `To: <${uri}>`,
        'Call-ID: c1',
        `CSeq: 1 ${method}`,
        ...(event === undefined ? [] : [`Event: ${event}`]),
        'Content-Length: 0',
        '',
        '',
      ].join('\n'),
    ),
    DEFAULT_PARSER_LIMITS,
  );
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('test request did not parse');
  return frame.message;
}

async function route(
  r: DiscoveryRouter,
  method: string,
  uri: string,
  options: { side?: Side; event?: string } = {},
): Promise<InnerRouteDecision> {
  const req = request(method, uri, options.event);
  return r.route({
    request: req,
    flow: new RecordingFlow({ side: options.side ?? 'internal' }),
    requestUri: req.requestUri,
    nextHop: undefined,
  });
}

const targetsOf = (decision: InnerRouteDecision) =>
  decision.kind === 'forward'
    ? decision.targets.map((t) => `${t.protocol} ${t.address}:${t.port} ${t.servername ?? ''}`.trim())
    : decision;

describe('D1 federation modes', () => {
  it('F2 a static TLS route to a peer names the peer domain as servername, for SNI and the certificate check (RFC 5922 §4)', async () => {
    expect(targetsOf(await route(router({}), 'MESSAGE', 'sip:bob@static.example.net'))).toEqual([
      'tls 192.0.2.99:5061 static.example.net',
    ]);
  });

  it('D1 closed mode refuses a domain that is neither routed nor allowed, without asking DNS', async () => {
    const transport = peerZone();
    expect(await route(router({}, transport), 'MESSAGE', 'sip:bob@b.example.net')).toMatchObject({
      kind: 'reply',
      status: 404,
      because: 'D1 closed federation',
    });
    expect(transport.exchanges).toEqual([]);
  });

  it('D1 closed mode discovers an allow-listed domain through DNS', async () => {
    expect(targetsOf(await route(router({ allow: ['b.example.net'] }), 'MESSAGE', 'sip:bob@b.example.net'))).toEqual([
      'tls 192.0.2.10:5061 b.example.net',
    ]);
  });

  it('D1 open mode discovers any domain, TLS targets carrying the domain as servername (RFC 5922)', async () => {
    const decision = await route(router({ federation: 'open' }), 'MESSAGE', 'sip:dave@c.example.org');
    expect(decision).toMatchObject({
      kind: 'forward',
      targets: [{ protocol: 'tls', address: '192.0.2.30', port: 5061, side: 'external', servername: 'c.example.org' }],
    });
    expect(decision.kind === 'forward' && decision.requestUri).toBeUndefined();
  });

  it('D1 a denied domain gets 403 in open mode too', async () => {
    expect(
      await route(router({ federation: 'open', deny: ['c.example.org'] }), 'MESSAGE', 'sip:dave@c.example.org'),
    ).toMatchObject({ status: 403, because: 'D1 deny-list' });
  });

  it('D1 static routes win over DNS, naming the peer domain as servername', async () => {
    const transport = peerZone();
    expect(
      targetsOf(await route(router({ federation: 'open' }, transport), 'MESSAGE', 'sip:x@static.example.net')),
    ).toEqual(['tls 192.0.2.99:5061 static.example.net']);
    expect(transport.exchanges).toEqual([]);
  });

  it("D1 the community's own domains go to its internal servers", async () => {
    expect(
      targetsOf(
        await route(router({ federation: 'open' }), 'SUBSCRIBE', 'sip:bob@a.example.com', { event: 'presence' }),
      ),
    ).toEqual(['tcp 10.0.0.6:5060']);
  });

  it('D1 a request from a peer is not relayed to another discovered peer', async () => {
    expect(
      await route(router({ federation: 'open' }), 'MESSAGE', 'sip:dave@c.example.org', { side: 'external' }),
    ).toMatchObject({ status: 403, because: 'D1 discovered relay' });
  });
});

describe('D4 D5 identifiers routed through discovery', () => {
  it('D4 MESSAGE to tel: follows E2U+im to im:, _im._sip SRV, and rewrites the Request-URI', async () => {
    const decision = await route(router({ federation: 'open' }), 'MESSAGE', 'tel:+1-202-555-0100');
    expect(decision).toMatchObject({
      kind: 'forward',
      requestUri: 'sip:alice@b.example.net',
      targets: [{ address: '192.0.2.11', servername: 'b.example.net' }],
    });
  });

  it('D4 INVITE to the same number takes E2U+sip', async () => {
    expect(await route(router({ federation: 'open' }), 'INVITE', 'tel:+12025550100')).toMatchObject({
      requestUri: 'sip:alice@b.example.net',
      targets: [{ address: '192.0.2.10' }],
    });
  });

  it('D4 an ENUM result in our own domain goes to our own servers, rewritten', async () => {
    expect(await route(router({}), 'MESSAGE', 'tel:+12025551111')).toMatchObject({
      kind: 'forward',
      requestUri: 'sip:carol@a.example.com',
      targets: [{ address: '10.0.0.5' }],
    });
  });

  it('D4 a user=phone number of our own domain is looked up in ENUM first, and kept inside when ENUM has nothing', async () => {
    const r = router({ federation: 'open' });
    expect(await route(r, 'INVITE', 'sip:+12025550100@a.example.com;user=phone')).toMatchObject({
      requestUri: 'sip:alice@b.example.net',
      targets: [{ address: '192.0.2.10' }],
    });
    expect(targetsOf(await route(r, 'INVITE', 'sip:+4912345@a.example.com;user=phone'))).toEqual(['tcp 10.0.0.5:5060']);
  });

  it('D4 closed mode does not follow ENUM to a domain it may not reach', async () => {
    expect(await route(router({}), 'INVITE', 'tel:+12025550100')).toMatchObject({
      status: 404,
      because: 'D1 closed federation',
    });
  });

  it('D5 im: to a peer goes through _im._sip SRV as sip:user@domain', async () => {
    expect(await route(router({ allow: ['b.example.net'] }), 'MESSAGE', 'im:alice@b.example.net')).toMatchObject({
      requestUri: 'sip:alice@b.example.net',
      targets: [{ address: '192.0.2.11' }],
    });
  });

  it('D2 DNS trouble is a 503, a number without ENUM entry a 404', async () => {
    const silent = new FakeDnsTransport();
    silent.failNext.push(...Array(20).fill('timeout'));
    expect(await route(router({ federation: 'open' }, silent), 'MESSAGE', 'sip:bob@b.example.net')).toMatchObject({
      status: 503,
      because: 'D2-D7 DNS_TIMEOUT',
    });
    expect(await route(router({ federation: 'open' }), 'MESSAGE', 'tel:+4999')).toMatchObject({
      status: 404,
      because: 'D2-D7 NOT_FOUND',
    });
  });
});

describe('D2 reportFailure', () => {
  it('D2 puts a reported target last for the back-off period', async () => {
    const transport = peerZone().add(
      srv('_sips._tcp.b.example.net', 20, 0, 5061, 'backup.b.example.net'),
      a('backup.b.example.net', '192.0.2.12'),
    );
    const r = router({ federation: 'open' }, transport);
    const first = await route(r, 'MESSAGE', 'sip:bob@b.example.net');
    expect(targetsOf(first)).toEqual(['tls 192.0.2.10:5061 b.example.net', 'tls 192.0.2.12:5061 b.example.net']);
    if (first.kind === 'forward') r.reportFailure(first.targets[0]!);
    expect(targetsOf(await route(r, 'MESSAGE', 'sip:bob@b.example.net'))).toEqual([
      'tls 192.0.2.12:5061 b.example.net',
      'tls 192.0.2.10:5061 b.example.net',
    ]);
  });
});

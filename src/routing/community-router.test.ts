import { describe, expect, it } from 'vitest';
import { communityRequest, type RequestParts } from '../../test/support/community-requests.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { createCommunity } from '../community/create-community.js';
import { configSchema } from '../config/config-schema.js';
import { MemoryStore } from '../state/memory-store.js';
import type { Side } from '../transport/flow.js';
import { CommunityRouter } from './community-router.js';
import type { InnerRouter, RouteDecision, RouteRequest } from './route-types.js';
import type { EdgeConfig } from '../config/config-schema.js';
import { DiscoveryRouter } from './discovery-router.js';
import { createDiscovery } from '../discovery/create-discovery.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { FakeDnsTransport, naptr } from '../../test/support/fake-dns-transport.js';

const INNER: RouteDecision = { kind: 'reply', status: 599, because: 'inner router' };

async function router(extra: Record<string, unknown> = {}, inner?: (config: EdgeConfig) => InnerRouter) {
  const config = configSchema.parse({ domains: ['a.example.com'], ...extra });
  const store = new MemoryStore();
  const community = await createCommunity({
    config,
    store,
    now: Date.now,
    presence: { actions: { send: async () => 200 }, contactFor: () => 'sip:127.0.0.1:5060', onError: () => undefined },
  });
  await community.directory.add({ address: 'bob@a.example.com', password: 'pw', realm: 'a.example.com' });
  return new CommunityRouter({
    inner: inner?.(config) ?? { route: async () => INNER },
    config,
    community,
    isOwnAddress: (uri) => uri.host === '127.0.0.1' && (uri.port ?? 5060) === 5060,
  });
}

function routeRequest(parts: RequestParts, side: Side = 'internal'): RouteRequest {
  const request = communityRequest(parts);
  return { request, flow: new RecordingFlow({ side }), requestUri: request.requestUri, nextHop: undefined };
}

const SDP_MESSAGE_SESSION =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=accept-types:text/plain\r\n';

describe('I1 community routing', () => {
  it('M3 answers OPTIONS to the domain and to the edge itself with Allow, Accept and Supported', async () => {
    const communityRouter = await router();
    for (const uri of ['sip:a.example.com', 'sip:127.0.0.1:5060']) {
      const decision = await communityRouter.route(routeRequest({ method: 'OPTIONS', uri }, 'external'));
      expect(decision).toMatchObject({ kind: 'reply', status: 200 });
      expect(decision.kind === 'reply' && decision.headers!.map(([name]) => name)).toEqual(
        expect.arrayContaining(['Allow', 'Accept', 'Supported']),
      );
    }
  });

  it('M3 relays OPTIONS to a user like any request for that user (here: no binding, 480)', async () => {
    expect(
      await (await router()).route(routeRequest({ method: 'OPTIONS', uri: 'sip:bob@a.example.com' })),
    ).toMatchObject({ kind: 'reply', status: 480 });
  });

  it('M2 answers a session-mode INVITE 488 with a Warning and the capabilities when only page mode is accepted', async () => {
    const pageOnly = await router({ community: { imModes: ['page'] } });
    const decision = await pageOnly.route(
      routeRequest(
        {
          method: 'INVITE',
          uri: 'sip:bob@a.example.com',
          headers: ['Content-Type: application/sdp'],
          body: SDP_MESSAGE_SESSION,
        },
        'external',
      ),
    );
    expect(decision).toMatchObject({ kind: 'reply', status: 488 });
    const headers = decision.kind === 'reply' ? decision.headers! : [];
    expect(headers.find(([name]) => name === 'Warning')![1]).toMatch(
      /^399 simple-edge "session mode IM is not accepted here; this community takes page mode \(MESSAGE\)"$/,
    );
    expect(headers.find(([name]) => name === 'Allow')![1]).not.toContain('INVITE');
  });

  it('sends requests for other domains, and a Route beyond the edge towards a peer, to the inner router', async () => {
    const communityRouter = await router();
    expect(await communityRouter.route(routeRequest({ method: 'MESSAGE', uri: 'sip:carol@b.example.net' }))).toBe(
      INNER,
    );
    const routed = routeRequest({ method: 'MESSAGE', uri: 'sip:carol@b.example.net' });
    expect(
      await communityRouter.route({ ...routed, nextHop: { uri: 'sip:198.51.100.20:5061;transport=tls;lr' } }),
    ).toBe(INNER);
  });

  it("B1 refuses a Route beyond the edge, for a user of ours, to an address none of that user's bindings names", async () => {
    const routed = routeRequest({ method: 'MESSAGE', uri: 'sip:bob@a.example.com' });
    expect(await (await router()).route({ ...routed, nextHop: { uri: 'sip:10.0.0.1;lr' } })).toMatchObject({
      kind: 'reply',
      status: 404,
    });
    const inDialog = routeRequest({ method: 'MESSAGE', uri: 'sip:bob@10.0.0.1:5070' });
    expect(await (await router()).route(inDialog)).toMatchObject({ kind: 'reply', status: 404 });
  });

  it('sends own-domain requests to the inner router (configured servers) when the registrar is not built in', async () => {
    const external = await router({ internal: { registrar: [{ host: '10.0.0.5', port: 5060, transport: 'tcp' }] } });
    expect(await external.route(routeRequest({ method: 'MESSAGE', uri: 'sip:bob@a.example.com' }))).toBe(INNER);
  });

  it('sends presence to the configured presence server while the registrar is built in', async () => {
    const mixed = await router({ internal: { presence: [{ host: '10.0.0.6', port: 5060, transport: 'tcp' }] } });
    expect(
      await mixed.route(
        routeRequest({ method: 'SUBSCRIBE', uri: 'sip:alice@a.example.com', headers: ['Event: presence'] }, 'external'),
      ),
    ).toBe(INNER);
  });

  it('I2 sends SUBSCRIBE for presence to the built-in presence server, which answers as the UAS', async () => {
    const decision = await (
      await router()
    ).route(
      routeRequest({
        method: 'SUBSCRIBE',
        uri: 'sip:bob@a.example.com',
        headers: ['Event: presence', 'Contact: <sip:w@127.0.0.1:5090>'],
      }),
    );
    expect(decision).toMatchObject({ kind: 'reply', status: 200, toTag: expect.any(String) });
  });

  describe('D4 D5 I2 targets that resolve into our own domain reach the built-in components', () => {
    // ENUM maps +12025551212 to bob@a.example.com; +4912345 has no ENUM entry.
    const enumZone = () =>
      new FakeDnsTransport().add(
        naptr('2.1.2.1.5.5.5.2.0.2.1.e164.arpa', 10, 10, 'u', 'E2U+sip', '!^.*$!sip:bob@a.example.com!'),
      );
    const withDiscovery = () =>
      router({ discovery: { resolvers: ['192.0.2.53:53'] } }, (config) => {
        const clock = new FakeClock();
        return new DiscoveryRouter({
          config,
          clock,
          discovery: createDiscovery(config.discovery, { clock, transport: enumZone() }),
        });
      });

    it('a tel: number, an im: URI and a user=phone number are answered by the built-in registrar, not 480 "no internal server"', async () => {
      const communityRouter = await withDiscovery();
      // bob exists without a binding: the registrar's own answer is 480 I2, where routing alone said 480 I1.
      for (const uri of ['tel:+12025551212', 'im:bob@a.example.com', 'sip:+12025551212@a.example.com;user=phone']) {
        expect(await communityRouter.route(routeRequest({ method: 'MESSAGE', uri })), uri).toMatchObject({
          kind: 'reply',
          status: 480,
          because: 'I2 no binding',
        });
      }
      // A number in our domain that ENUM does not know is a user of ours the registrar does not know.
      expect(
        await communityRouter.route(routeRequest({ method: 'MESSAGE', uri: 'sip:+4912345@a.example.com;user=phone' })),
      ).toMatchObject({ status: 404, because: 'I2 no such user' });
    });

    it('a pres: SUBSCRIBE is answered by the built-in presence server', async () => {
      const decision = await (
        await withDiscovery()
      ).route(
        routeRequest({
          method: 'SUBSCRIBE',
          uri: 'pres:bob@a.example.com',
          headers: ['Event: presence', 'Contact: <sip:alice@10.0.0.99:5070>', 'Expires: 600'],
        }),
      );
      expect(decision).toMatchObject({ kind: 'reply' });
      expect(decision.kind === 'reply' && decision.because).not.toBe('I1');
      expect(decision.kind === 'reply' && decision.status).toBeLessThan(300);
    });
  });
});

// Routing that needs no I/O answers without a promise: the relay's hot path (a peer's MESSAGE for the
// community, relayed to an internal server at an IP literal) allocates no promise per router.
import { describe, expect, it } from 'vitest';
import { communityRequest, type RequestParts } from '../../test/support/community-requests.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { createCommunity } from '../community/create-community.js';
import { configSchema } from '../config/config-schema.js';
import { MemoryStore } from '../state/memory-store.js';
import type { Side } from '../transport/flow.js';
import { CommunityRouter } from './community-router.js';
import { DiscoveryRouter } from './discovery-router.js';
import type { RouteRequest } from './route-types.js';
import { StaticRouter } from './static-router.js';

const config = configSchema.parse({
  domains: ['a.example.com'],
  internal: {
    registrar: [
      { host: '10.0.0.5', port: 5060, transport: 'tcp' },
      { host: '2001:db8::5', port: 5061, transport: 'tls' },
    ],
    presence: 'builtin',
  },
  routes: [{ domain: 'b.example.net', targets: [{ host: '192.0.2.20', port: 5061, transport: 'tls' }] }],
});

function routeRequest(parts: RequestParts, side: Side): RouteRequest {
  const request = communityRequest(parts);
  return { request, flow: new RecordingFlow({ side }), requestUri: request.requestUri, nextHop: undefined };
}

const PEER_MESSAGE: RequestParts = {
  method: 'MESSAGE',
  uri: 'sip:bob@a.example.com',
  from: '<sip:alice@b.example.net>;tag=b1',
  to: '<sip:bob@a.example.com>',
};

describe('routing without a promise when no I/O is needed', () => {
  it('I1 answers a request for a served domain with IP-literal internal servers directly, resolved once per configuration', () => {
    const router = new StaticRouter(config);
    const first = router.route(routeRequest(PEER_MESSAGE, 'external'));
    const second = router.route(routeRequest({ ...PEER_MESSAGE, callId: 'call-2' }, 'external'));
    expect(first).not.toBeInstanceOf(Promise);
    expect(first).toEqual({
      kind: 'forward',
      targets: [
        { protocol: 'tcp', address: '10.0.0.5', port: 5060, side: 'internal' },
        { protocol: 'tls', address: '2001:db8::5', port: 5061, side: 'internal' },
      ],
    });
    expect(second).toBe(first);
  });

  it('D1 answers a static peer route with IP-literal next hops directly, the peer named as SNI', () => {
    const decision = new StaticRouter(config).route(
      routeRequest({ method: 'MESSAGE', uri: 'sip:carol@b.example.net', to: '<sip:carol@b.example.net>' }, 'internal'),
    );
    expect(decision).not.toBeInstanceOf(Promise);
    expect(decision).toEqual({
      kind: 'forward',
      targets: [{ protocol: 'tls', address: '192.0.2.20', port: 5061, side: 'external', servername: 'b.example.net' }],
    });
  });

  it('D1 refuses a relay between peers directly (403), without a promise', () => {
    const decision = new StaticRouter(config).route(
      routeRequest({ method: 'MESSAGE', uri: 'sip:carol@b.example.net', to: '<sip:carol@b.example.net>' }, 'external'),
    );
    expect(decision).toMatchObject({ kind: 'reply', status: 403, because: 'D1 relay between peers' });
  });

  it('B1 sends an IP-literal next hop from a peer into the community directly, without a promise', () => {
    const request = communityRequest({ ...PEER_MESSAGE, to: '<sip:bob@a.example.com>;tag=x1' });
    const decision = new StaticRouter(config).route({
      request,
      flow: new RecordingFlow({ side: 'external' }),
      requestUri: request.requestUri,
      nextHop: { uri: 'sip:10.0.0.7:5070;transport=tcp;lr' },
    });
    expect(decision).toEqual({
      kind: 'forward',
      targets: [{ protocol: 'tcp', address: '10.0.0.7', port: 5070, side: 'internal' }],
    });
  });

  it('I1 routes a peer MESSAGE through community, discovery and static routing without a promise', async () => {
    const community = await createCommunity({
      config,
      store: new MemoryStore(),
      now: Date.now,
      presence: {
        actions: { send: async () => 200 },
        contactFor: () => 'sip:127.0.0.1:5060',
        onError: () => undefined,
      },
    });
    const router = new CommunityRouter({
      inner: new DiscoveryRouter({ config, clock: new FakeClock() }),
      config,
      community,
      isOwnAddress: () => false,
    });
    const decision = router.route(routeRequest(PEER_MESSAGE, 'external'));
    expect(decision).not.toBeInstanceOf(Promise);
    expect(decision).toMatchObject({ kind: 'forward', targets: [{ address: '10.0.0.5' }, { address: '2001:db8::5' }] });
  });
});

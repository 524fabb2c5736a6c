// SPEC I5 at the routing step: the registrar's contacts for a user become the branches of a fork
// decision (RFC 3261 §16.5-16.6), each contact its own Request-URI and target.

import { describe, expect, it } from 'vitest';
import { communityRequest } from '../../test/support/community-requests.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { createCommunity } from '../community/create-community.js';
import { LocationService, type Binding } from '../community/location-service.js';
import { configSchema, type EdgeConfig } from '../config/config-schema.js';
import { MemoryStore } from '../state/memory-store.js';
import { CommunityRouter } from './community-router.js';
import type { RouteDecision } from './route-types.js';

const NOW = 1_000_000;

async function aliceWith(
  contacts: ReadonlyArray<readonly [string, number]>,
  forking?: EdgeConfig['community']['forking'],
) {
  const config = configSchema.parse({ domains: ['a.example.com'] });
  const store = new MemoryStore({ now: () => NOW });
  const community = await createCommunity({
    config,
    store,
    now: () => NOW,
    presence: { actions: { send: async () => 200 }, contactFor: () => 'sip:127.0.0.1:5060', onError: () => undefined },
  });
  await community.directory.add({ address: 'alice@a.example.com', password: 'pw', realm: 'a.example.com' });
  const bindings: Binding[] = contacts.map(([uri, q]) => ({ uri, q, expiresAt: NOW + 60_000, callId: 'c', cseq: 1 }));
  await new LocationService({ store, now: () => NOW }).save('sip:alice@a.example.com', bindings);
  return new CommunityRouter({
    inner: { route: () => ({ kind: 'reply', status: 599, because: 'inner router' }) },
    config,
    community,
    isOwnAddress: () => false,
    ...(forking === undefined ? {} : { forking }),
  });
}

async function route(router: CommunityRouter): Promise<RouteDecision> {
  const request = communityRequest({ method: 'MESSAGE', uri: 'sip:alice@a.example.com' });
  const flow = new RecordingFlow({ side: 'external' });
  return router.route({ request, flow, requestUri: request.requestUri, nextHop: undefined });
}

describe('I5 the fork decision for a user with several bindings', () => {
  it('I5 makes a branch per contact, grouped by q-value, each with the contact as Request-URI and its own target', async () => {
    const decision = await route(
      await aliceWith([
        ['sip:alice@10.0.0.1:5070', 1],
        ['sip:alice@10.0.0.2:5080;transport=tcp', 1],
        ['sips:alice@10.0.0.3', 0.5],
      ]),
    );
    expect(decision).toMatchObject({
      kind: 'forward',
      requestUri: 'sip:alice@10.0.0.1:5070',
      fork: [
        [
          { requestUri: 'sip:alice@10.0.0.1:5070', targets: [{ protocol: 'udp', address: '10.0.0.1', port: 5070 }] },
          {
            requestUri: 'sip:alice@10.0.0.2:5080;transport=tcp',
            targets: [{ protocol: 'tcp', address: '10.0.0.2', port: 5080 }],
          },
        ],
        [{ requestUri: 'sips:alice@10.0.0.3', targets: [{ protocol: 'tls', address: '10.0.0.3', port: 5061 }] }],
      ],
    });
  });

  it('I5 leaves out a contact the edge cannot send to; with one left it is a plain forward, no fork', async () => {
    const decision = await route(
      await aliceWith([
        ['tel:+15551234567', 1],
        ['sip:alice@10.0.0.2:5070', 0.8],
      ]),
    );
    expect(decision).toEqual({
      kind: 'forward',
      requestUri: 'sip:alice@10.0.0.2:5070',
      targets: [{ protocol: 'udp', address: '10.0.0.2', port: 5070, side: 'internal' }],
    });
  });

  it('I5 B4 takes at most maxBranches of the best contacts, one group each in sequential mode', async () => {
    const decision = await route(
      await aliceWith(
        [
          ['sip:alice@10.0.0.1', 0.2],
          ['sip:alice@10.0.0.2', 0.9],
          ['sip:alice@10.0.0.3', 0.9],
        ],
        { mode: 'sequential', maxBranches: 2 },
      ),
    );
    expect(decision.kind === 'forward' && decision.fork?.map((group) => group.map((b) => b.requestUri))).toEqual([
      ['sip:alice@10.0.0.2'],
      ['sip:alice@10.0.0.3'],
    ]);
  });
});

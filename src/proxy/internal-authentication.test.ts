// The route step alone, over every outcome the community's authentication can give and both sides a
// request can arrive on: what it answers, what edits it leaves for the relay, and what it counts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { communityRequest } from '../../test/support/community-requests.js';
import type { ProxyAuthenticationOutcome } from '../community/proxy-authentication.js';
import { EdgeMetrics } from '../observability/edge-metrics.js';
import { silentLogger } from '../observability/logger.js';
import type { HeaderEdit } from '../policy/rule.js';
import type { Side } from '../transport/flow.js';
import type { CrossingRecord } from './border-audit.js';
import { internalAuthentication, type InternalAuthentication } from './internal-authentication.js';
import { RouteState, type RouteHost } from './request-route.js';

const EDITS: readonly HeaderEdit[] = [{ op: 'remove', name: 'Proxy-Authorization' }];
const EXEMPT: readonly HeaderEdit[] = [{ op: 'remove', name: 'X-Trust-Level' }];

const outcomes: fc.Arbitrary<Exclude<ProxyAuthenticationOutcome, { kind: 'exempt' }>> = fc.oneof(
  fc.constant({ kind: 'accepted' as const, user: 'sip:alice@a.example.com', edits: EDITS }),
  fc.constantFrom('no-credentials', 'stale-nonce', 'bad-nonce').map((reason) => ({
    kind: 'challenged' as const,
    reason,
    headers: [['Proxy-Authenticate', 'Digest realm="a.example.com", nonce="n"']] as const,
  })),
  fc.constantFrom('wrong-credentials', 'uri-mismatch', 'identity-mismatch').map((reason) => ({
    kind: 'refused' as const,
    reason,
    warning: 'no',
  })),
);

/** A fixed outcome, and whether the store-backed check was asked for it. */
function authentication(requires: boolean, outcome: ProxyAuthenticationOutcome) {
  const asked = { check: 0 };
  const fake: InternalAuthentication = {
    requires: () => requires,
    exempt: () => ({ kind: 'exempt', edits: EXEMPT }),
    check: () => {
      asked.check++;
      return Promise.resolve(outcome);
    },
  };
  return { fake, asked };
}

function route(side: Side): RouteState {
  const request = communityRequest({ method: 'MESSAGE', uri: 'sip:bob@b.example.net' });
  return new RouteState(request, { flow: { side } } as unknown as CrossingRecord);
}

function host(auth: InternalAuthentication, metrics: EdgeMetrics): RouteHost {
  return { deps: { internalAuthentication: auth, metrics, log: silentLogger() } } as unknown as RouteHost;
}

describe('I2 X2 the internal-authentication route step', () => {
  it('I2 answers 407 or 403, or lets the request on with the consumed credentials, and counts each by reason', async () => {
    await fc.assert(
      fc.asyncProperty(outcomes, async (outcome) => {
        const metrics = new EdgeMetrics();
        const state = route('internal');
        const decided = await internalAuthentication.decide(state, host(authentication(true, outcome).fake, metrics));
        if (outcome.kind === 'accepted') {
          expect(decided).toBeUndefined();
          expect(state.edits()).toEqual(EDITS);
        } else {
          expect(decided).toMatchObject({ status: outcome.kind === 'challenged' ? 407 : 403 });
          expect(decided).toHaveProperty('because', expect.stringMatching(/^I2 RFC 3261 §22\.3 .*\(.+\)$/));
          expect(state.edits()).toEqual([]);
        }
        const reason = outcome.kind === 'accepted' ? 'credentials' : outcome.reason;
        expect(await metrics.registry.getSingleMetricAsString('simple_edge_internal_authentications_total')).toContain(
          `{outcome="${outcome.kind}",reason="${reason}"} 1`,
        );
      }),
      { numRuns: 40 },
    );
  });

  it('I2 X2 decides an exempt request without a promise or the store, leaving what it may not assert to be removed', () => {
    const { fake, asked } = authentication(false, { kind: 'exempt', edits: EXEMPT });
    const state = route('internal');
    expect(internalAuthentication.decide(state, host(fake, new EdgeMetrics()))).toBeUndefined();
    expect(state.edits()).toEqual(EXEMPT);
    expect(asked.check).toBe(0);
  });

  it('I2 leaves a peer’s request alone: the external side is authenticated by its certificate (F7)', () => {
    fc.assert(
      fc.property(outcomes, fc.boolean(), (outcome, requires) => {
        const { fake, asked } = authentication(requires, outcome);
        const state = route('external');
        expect(internalAuthentication.decide(state, host(fake, new EdgeMetrics()))).toBeUndefined();
        expect(state.edits()).toEqual([]);
        expect(asked.check).toBe(0);
      }),
    );
  });
});

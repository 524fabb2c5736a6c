import { describe, expect, it } from 'vitest';
import { PolicyFixture, request, response } from '../../../test/support/policy-fixture.js';
import { cached604, cached604Key, learn604, MAX_CACHE_604_SECONDS } from './cache-604.js';

const DAY_MS = 86_400_000;

/** A request from this community to a peer's user. */
function outbound(method: string, options: { uri?: string; from?: string } = {}) {
  return request(method, method === 'SUBSCRIBE' ? ['Event: presence'] : [], {
    uri: options.uri ?? 'sip:bob@b.example.net',
    from: options.from ?? 'sip:alice@a.example.com',
  });
}

describe('P4 604 cache', () => {
  it('MUST remember a 604 from a peer and answer later SUBSCRIBE and MESSAGE to that address 404 at the border, for any sender', async () => {
    const fixture = PolicyFixture.withMemoryStore({ direction: 'outbound' });
    expect(await learn604.check(outbound('SUBSCRIBE'), response(604, 'SUBSCRIBE'), fixture.context)).toEqual({
      kind: 'pass',
    });
    fixture.advanceSeconds(60);
    const later = await cached604.check(
      outbound('MESSAGE', { uri: 'sips:Bob@B.example.net;transport=tls', from: 'sip:dave@a.example.com' }),
      fixture.context,
    );
    expect(later).toMatchObject({ kind: 'reply', status: 404 });
    expect(await cached604.check(outbound('MESSAGE', { uri: 'sip:carol@b.example.net' }), fixture.context)).toEqual({
      kind: 'pass',
    });
  });

  it('MUST keep the entry under 604:<address-of-record> with the peer, for cache604Seconds', async () => {
    const fixture = PolicyFixture.withMemoryStore({ direction: 'outbound', limits: { cache604Seconds: 7 * 86_400 } });
    await learn604.check(
      outbound('MESSAGE', { uri: 'sip:Bob@b.example.net;user=phone' }),
      response(604, 'MESSAGE'),
      fixture.context,
    );
    expect(await fixture.store.list('604:')).toEqual([
      {
        key: '604:sip:bob@b.example.net',
        value: { address: 'sip:bob@b.example.net', peer: 'b.example.net', method: 'MESSAGE', storedAt: fixture.nowMs },
        expiresAt: fixture.nowMs + 7 * DAY_MS,
      },
    ]);
    expect(cached604Key('Bob@B.example.net')).toBe('604:sip:bob@b.example.net');
    fixture.advanceSeconds(7 * 86_400);
    expect(await cached604.check(outbound('MESSAGE'), fixture.context)).toEqual({ kind: 'pass' });
  });

  it('MUST NOT remember a 604 for longer than 30 days', async () => {
    const fixture = PolicyFixture.withMemoryStore({ direction: 'outbound', limits: { cache604Seconds: 365 * 86_400 } });
    await learn604.check(outbound('MESSAGE'), response(604, 'MESSAGE'), fixture.context);
    const [entry] = await fixture.store.list('604:');
    expect(entry?.expiresAt).toBe(fixture.nowMs + MAX_CACHE_604_SECONDS * 1000);
  });

  it('MUST NOT cache a 604 this community gave a peer, nor any other status', async () => {
    const fixture = PolicyFixture.withMemoryStore({ direction: 'inbound' });
    await learn604.check(request('MESSAGE'), response(604, 'MESSAGE'), fixture.context);
    const outboundContext = fixture.with({ direction: 'outbound' });
    await learn604.check(outbound('MESSAGE'), response(404, 'MESSAGE'), outboundContext);
    await learn604.check(outbound('MESSAGE'), response(603, 'MESSAGE'), outboundContext);
    expect(await fixture.store.list('604:')).toEqual([]);
  });
});

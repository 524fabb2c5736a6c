// D3 against bind9: a record changed in the zone and reloaded (rndc) is seen once its TTL has run
// out, and not before. Real time: the record's TTL is 2 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIND9_SETUP_TIMEOUT_MS, startBind9, type Bind9 } from '../../support/bind9.js';
import { bindDiscovery, stopClocks } from './bind-discovery.js';

let bind: Bind9;

beforeAll(async () => {
  bind = await startBind9({ zones: ['ttl.example.net'], substitutions: { SHORT_ADDRESS: '192.0.2.77' } });
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  stopClocks();
  await bind?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('D3 TTLs are honoured against a changing zone', () => {
  it('D3 sees a reloaded record after its TTL and not before', async () => {
    const { dns } = bindDiscovery(bind);
    const address = async () => (await dns.query('short.ttl.example.net', 'A')).records[0]?.address;
    const first = await dns.query('short.ttl.example.net', 'A');
    expect(first).toMatchObject({ ttl: 2, records: [{ address: '192.0.2.77' }] });
    await bind.reloadZone('ttl.example.net', { SHORT_ADDRESS: '192.0.2.78' });
    // The server has the new record already; the edge keeps the old one until the TTL runs out.
    const fresh = bindDiscovery(bind).dns;
    expect((await fresh.query('short.ttl.example.net', 'A')).records[0]?.address).toBe('192.0.2.78');
    expect(await address()).toBe('192.0.2.77');
    await sleep(Math.max(0, first.expiresAtMs - performance.now() - 300));
    expect(await address()).toBe('192.0.2.77');
    await sleep(400);
    expect(await address()).toBe('192.0.2.78');
    expect(dns.stats.exchanges).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { a, cname, FakeDnsTransport, naptr } from '../../test/support/fake-dns-transport.js';
import { DnsClient } from './dns-client.js';
import { ResolutionTrace } from './resolution-trace.js';

function client(
  transport: FakeDnsTransport,
  clock = new FakeClock(),
  overrides: Partial<ConstructorParameters<typeof DnsClient>[0]> = {},
) {
  return new DnsClient({
    clock,
    transport,
    servers: [
      { address: '192.0.2.53', port: 53 },
      { address: '192.0.2.54', port: 5353 },
    ],
    timeoutMs: 1000,
    retries: 2,
    maxEntries: 1000,
    maxTtlSeconds: 86_400,
    maxNegativeTtlSeconds: 3600,
    ...overrides,
  });
}

describe('D3 DNS cache honours every TTL', () => {
  it('D3 keeps an answer for its TTL and asks again once it has run out', async () => {
    const clock = new FakeClock();
    const transport = new FakeDnsTransport().add(a('sip.b.example.net', '192.0.2.10', 30));
    const dns = client(transport, clock);
    expect((await dns.query('sip.b.example.net', 'A')).records[0]?.address).toBe('192.0.2.10');
    transport.replace('sip.b.example.net', 'A', a('sip.b.example.net', '192.0.2.11', 30));
    clock.advance(29_999);
    expect((await dns.query('SIP.B.example.net.', 'A')).records[0]?.address).toBe('192.0.2.10');
    clock.advance(1);
    expect((await dns.query('sip.b.example.net', 'A')).records[0]?.address).toBe('192.0.2.11');
    expect(transport.count('sip.b.example.net', 'A')).toBe(2);
  });

  it('D3 keeps NAPTR records for the smallest TTL of the set', async () => {
    const clock = new FakeClock();
    const transport = new FakeDnsTransport().add(
      naptr('b.example.net', 10, 10, 's', 'SIPS+D2T', '', '_sips._tcp.b.example.net', 600),
      naptr('b.example.net', 20, 10, 's', 'SIP+D2T', '', '_sip._tcp.b.example.net', 120),
    );
    const dns = client(transport, clock);
    expect((await dns.query('b.example.net', 'NAPTR')).ttl).toBe(120);
    clock.advance(120_000);
    await dns.query('b.example.net', 'NAPTR');
    expect(transport.count('b.example.net', 'NAPTR')).toBe(2);
  });

  it('D3 caps a TTL at cache.maxTtlSeconds', async () => {
    const transport = new FakeDnsTransport().add(a('x.example.net', '192.0.2.1', 604_800));
    expect((await client(transport, new FakeClock(), { maxTtlSeconds: 3600 }).query('x.example.net', 'A')).ttl).toBe(
      3600,
    );
  });

  it('RFC 1035 §3.2.1 does not keep an answer whose TTL is zero', async () => {
    const transport = new FakeDnsTransport().add(a('zero.example.net', '192.0.2.1', 0));
    const dns = client(transport);
    await dns.query('zero.example.net', 'A');
    await dns.query('zero.example.net', 'A');
    expect(transport.count('zero.example.net', 'A')).toBe(2);
  });

  it('D3 follows a CNAME chain and keeps the answer for the smallest TTL along it', async () => {
    const transport = new FakeDnsTransport().add(
      cname('alias.example.net', 'sip.example.net', 40),
      a('sip.example.net', '192.0.2.7', 300),
    );
    const answer = await client(transport).query('alias.example.net', 'A');
    expect(answer.records.map((r) => r.address)).toEqual(['192.0.2.7']);
    expect(answer.ttl).toBe(40);
  });
});

describe('D3 negative caching (RFC 2308)', () => {
  it('RFC 2308 §5 keeps NXDOMAIN for min(SOA TTL, MINIMUM)', async () => {
    const clock = new FakeClock();
    const transport = new FakeDnsTransport();
    transport.negativeTtl = 60;
    const dns = client(transport, clock);
    expect((await dns.query('nowhere.example.net', 'SRV')).rcode).toBe('NXDOMAIN');
    clock.advance(59_000);
    await dns.query('nowhere.example.net', 'SRV');
    expect(transport.count('nowhere.example.net', 'SRV')).toBe(1);
    clock.advance(1_000);
    await dns.query('nowhere.example.net', 'SRV');
    expect(transport.count('nowhere.example.net', 'SRV')).toBe(2);
  });

  it('RFC 2308 §5 keeps NODATA (the name exists, not the type) the same way', async () => {
    const transport = new FakeDnsTransport().add(a('b.example.net', '192.0.2.1'));
    const dns = client(transport);
    const answer = await dns.query('b.example.net', 'NAPTR');
    expect(answer).toMatchObject({ rcode: 'NOERROR', records: [], ttl: 60 });
    await dns.query('b.example.net', 'NAPTR');
    expect(transport.count('b.example.net', 'NAPTR')).toBe(1);
  });

  it('RFC 2308 §5 does not keep a negative answer that came without an SOA', async () => {
    const transport = new FakeDnsTransport();
    transport.negativeTtl = undefined;
    const dns = client(transport);
    await dns.query('nosoa.example.net', 'A');
    await dns.query('nosoa.example.net', 'A');
    expect(transport.count('nosoa.example.net', 'A')).toBe(2);
  });

  it('D3 caps negative caching at cache.maxNegativeTtlSeconds', async () => {
    const transport = new FakeDnsTransport();
    transport.negativeTtl = 86_400;
    expect(
      (await client(transport, new FakeClock(), { maxNegativeTtlSeconds: 300 }).query('n.example.net', 'A')).ttl,
    ).toBe(300);
  });
});

describe('D3 identical questions in flight are asked once', () => {
  it('D3 answers 1000 concurrent look-ups of one uncached name with one query', async () => {
    const transport = new FakeDnsTransport().add(a('b.example.net', '192.0.2.1'));
    const dns = client(transport);
    transport.hold();
    const lookups = Array.from({ length: 1000 }, () => dns.query('b.example.net', 'A'));
    await Promise.resolve();
    transport.release();
    const answers = await Promise.all(lookups);
    expect(transport.exchanges).toHaveLength(1);
    expect(new Set(answers).size).toBe(1);
    expect(dns.stats).toMatchObject({ exchanges: 1, shared: 999 });
  });

  it('D3 shares a failure too, and asks again on the next look-up', async () => {
    const transport = new FakeDnsTransport().add(a('b.example.net', '192.0.2.1'));
    const dns = client(transport, new FakeClock(), { retries: 0 });
    transport.failNext.push('timeout');
    const results = await Promise.allSettled([dns.query('b.example.net', 'A'), dns.query('b.example.net', 'A')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await dns.query('b.example.net', 'A')).records).toHaveLength(1);
    expect(transport.exchanges).toHaveLength(2);
  });
});

describe('D3 configured resolvers, timeouts and retries', () => {
  it('D3 retries a timed-out attempt at the next resolver', async () => {
    const transport = new FakeDnsTransport().add(a('b.example.net', '192.0.2.1'));
    transport.failNext.push('timeout');
    const answer = await client(transport).query('b.example.net', 'A');
    expect(transport.exchanges.map((e) => e.server)).toEqual(['192.0.2.53:53', '192.0.2.54:5353']);
    expect(answer.server).toBe('192.0.2.54:5353');
  });

  it('RFC 2308 §7.1 treats SERVFAIL and REFUSED as failed attempts, not as answers', async () => {
    const transport = new FakeDnsTransport().add(a('b.example.net', '192.0.2.1'));
    transport.failNext.push('SERVFAIL', 'REFUSED');
    expect((await client(transport).query('b.example.net', 'A')).records).toHaveLength(1);
    expect(transport.exchanges).toHaveLength(3);
  });

  it('D3 gives up after 1 + retries attempts with DNS_TIMEOUT', async () => {
    const transport = new FakeDnsTransport();
    transport.failNext.push('timeout', 'timeout', 'timeout');
    await expect(client(transport).query('b.example.net', 'A')).rejects.toMatchObject({
      code: 'DNS_TIMEOUT',
      status: 503,
    });
    expect(transport.exchanges).toHaveLength(3);
  });

  it('D3 reports DNS_FAILURE when the resolvers keep failing', async () => {
    const transport = new FakeDnsTransport();
    transport.failNext.push('SERVFAIL', 'SERVFAIL', 'SERVFAIL');
    await expect(client(transport).query('b.example.net', 'A')).rejects.toMatchObject({ code: 'DNS_FAILURE' });
  });

  it('D8 records where each answer came from in a trace', async () => {
    const transport = new FakeDnsTransport().add(a('b.example.net', '192.0.2.1', 300));
    const clock = new FakeClock();
    const dns = client(transport, clock);
    const trace = new ResolutionTrace();
    await dns.query('b.example.net', 'A', trace);
    clock.advance(10_000);
    await dns.query('b.example.net', 'A', trace);
    expect(trace.steps.map((s) => (s.kind === 'query' ? [s.source, s.secondsLeft] : s.kind))).toEqual([
      ['network', 300],
      ['cache', 290],
    ]);
  });
});

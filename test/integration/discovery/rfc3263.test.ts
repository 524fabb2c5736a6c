// D2, D3 against a real authoritative server (bind9 on loopback, zones in test/fixtures/dns).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimerWheel } from '../../../src/clock/timer-wheel.js';
import type { LocatedTarget } from '../../../src/discovery/sip-locator.js';
import { SocketDnsTransport } from '../../../src/discovery/socket-dns-transport.js';
import { BIND9_SETUP_TIMEOUT_MS, startBind9, type Bind9 } from '../../support/bind9.js';
import { bindDiscovery, stopClocks } from './bind-discovery.js';

let bind: Bind9;
const clock = new TimerWheel();

beforeAll(async () => {
  clock.start();
  bind = await startBind9({
    zones: ['b.example.net', 'srv-only.example.net', 'a-only.example.net', 'weights.example.net'],
  });
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  clock.stop();
  stopClocks();
  await bind?.stop();
});

const brief = (targets: readonly LocatedTarget[]) => targets.map((t) => `${t.protocol} ${t.address}:${t.port}`);

describe('D2 RFC 3263 location against bind9', () => {
  it('D2 by default reaches a peer whose NAPTR records also list SIP+D2T and SIP+D2U over TLS only', async () => {
    const targets = await bindDiscovery(bind).locator.locate({ host: 'b.example.net', secure: false });
    expect(brief(targets)).toEqual(['tls 192.0.2.1:5061', 'tls 2001:db8::1:5061', 'tls 192.0.2.2:5061']);
    expect(brief(await bindDiscovery(bind).locator.locate({ host: 'srv-only.example.net', secure: false }))).toEqual([
      'tls 192.0.2.5:5063',
    ]);
  });

  it('D2 follows NAPTR → SRV → A/AAAA with TLS first and SRV priorities in order (cleartext opted in)', async () => {
    const targets = await bindDiscovery(bind, { transports: ['tls', 'tcp', 'udp'] }).locator.locate({
      host: 'b.example.net',
      secure: false,
    });
    expect(brief(targets)).toEqual([
      'tls 192.0.2.1:5061',
      'tls 2001:db8::1:5061',
      'tls 192.0.2.2:5061',
      'tcp 192.0.2.1:5060',
      'tcp 2001:db8::1:5060',
      'udp 192.0.2.1:5060',
      'udp 2001:db8::1:5060',
    ]);
    expect(new Set(targets.map((t) => t.servername))).toEqual(new Set(['b.example.net']));
  });

  it('D2 falls back to SRV when the domain has no NAPTR records', async () => {
    expect(
      brief(
        await bindDiscovery(bind, { transports: ['tls', 'tcp', 'udp'] }).locator.locate({
          host: 'srv-only.example.net',
          secure: false,
        }),
      ),
    ).toEqual(['tls 192.0.2.5:5063', 'udp 192.0.2.5:5062']);
  });

  it('D2 falls back to A/AAAA on the default ports when there is no SRV either', async () => {
    expect(
      brief(
        await bindDiscovery(bind, { transports: ['tls', 'tcp'] }).locator.locate({
          host: 'a-only.example.net',
          secure: false,
        }),
      ),
    ).toEqual(['tls 192.0.2.9:5061', 'tls 2001:db8::9:5061', 'tcp 192.0.2.9:5060', 'tcp 2001:db8::9:5060']);
  });

  it('D2 distributes over SRV targets of one priority by weight (60/30/10 over 4,000 selections), the backup last', async () => {
    const { locator } = bindDiscovery(bind);
    const first = new Map<string, number>();
    for (let i = 0; i < 4_000; i++) {
      const targets = await locator.locate({ host: 'weights.example.net', secure: false });
      expect(targets.at(-1)?.address).toBe('192.0.2.99');
      first.set(targets[0]!.address, (first.get(targets[0]!.address) ?? 0) + 1);
    }
    expect((first.get('192.0.2.60') ?? 0) / 4_000).toBeCloseTo(0.6, 1);
    expect((first.get('192.0.2.30') ?? 0) / 4_000).toBeCloseTo(0.3, 1);
    expect((first.get('192.0.2.10') ?? 0) / 4_000).toBeCloseTo(0.1, 1);
  });

  it('D2 says NOT_FOUND for a name that does not exist', async () => {
    await expect(
      bindDiscovery(bind).locator.locate({ host: 'nowhere.b.example.net', secure: false }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});

describe('D3 the DNS client against bind9', () => {
  it('D3 reads NAPTR and SRV TTLs, which node:dns hides', async () => {
    const { dns } = bindDiscovery(bind);
    expect((await dns.query('b.example.net', 'NAPTR')).records.map((r) => r.ttl)).toEqual([300, 300, 300]);
    expect((await dns.query('_sips._tcp.b.example.net', 'SRV')).ttl).toBe(300);
  });

  it('D3 repeats a truncated answer over TCP (90 A records do not fit in 1232 bytes)', async () => {
    const transport = new SocketDnsTransport({ clock, ednsUdpPayloadBytes: 1232 });
    const response = await transport.exchange(
      { name: 'big.b.example.net', type: 'A' },
      { address: '127.0.0.1', port: bind.port },
      1_000,
    );
    expect(response.answers).toHaveLength(90);
    expect(transport.stats).toEqual({ udp: 1, tcpAfterTruncation: 1 });
    expect((await bindDiscovery(bind).dns.query('big.b.example.net', 'A')).records).toHaveLength(90);
  });

  it('D3 keeps NXDOMAIN for the SOA minimum (RFC 2308) and does not ask again', async () => {
    const { dns } = bindDiscovery(bind);
    const answer = await dns.query('missing.b.example.net', 'SRV');
    expect(answer).toMatchObject({ rcode: 'NXDOMAIN', ttl: 60 });
    await dns.query('missing.b.example.net', 'SRV');
    expect(dns.stats.exchanges).toBe(1);
  });

  it('D3 answers 1,000 concurrent uncached look-ups of one name with one query', async () => {
    const { dns } = bindDiscovery(bind);
    const answers = await Promise.all(Array.from({ length: 1_000 }, () => dns.query('edge1.b.example.net', 'A')));
    expect(new Set(answers.map((a) => a.records[0]?.address))).toEqual(new Set(['192.0.2.1']));
    expect(dns.stats).toMatchObject({ exchanges: 1, shared: 999 });
  });

  it('D3 asks the next resolver when the first does not answer', async () => {
    const { dns } = bindDiscovery(bind, { resolvers: ['127.0.0.1:9', bind.resolver], timeoutMs: 300 });
    expect((await dns.query('edge2.b.example.net', 'A')).server).toBe(bind.resolver);
  });

  it('D3 asks over IPv6 as well', async () => {
    expect(
      (await bindDiscovery(bind, { resolvers: [`[::1]:${bind.port}`] }).dns.query('edge1.b.example.net', 'AAAA'))
        .records[0]?.address,
    ).toBe('2001:db8::1');
  });
});

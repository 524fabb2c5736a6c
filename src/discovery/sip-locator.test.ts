import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { a, aaaa, FakeDnsTransport, naptr, seededRandom, srv } from '../../test/support/fake-dns-transport.js';
import { DnsClient } from './dns-client.js';
import { ResolutionTrace } from './resolution-trace.js';
import { SipLocator, type LocatedTarget } from './sip-locator.js';
import { TargetBackoff } from './target-backoff.js';

function locator(
  transport: FakeDnsTransport,
  options: { transports?: Array<'tls' | 'tcp' | 'udp'>; clock?: FakeClock; maxTargets?: number } = {},
) {
  const clock = options.clock ?? new FakeClock();
  const dns = new DnsClient({
    clock,
    transport,
    servers: [{ address: '192.0.2.53', port: 53 }],
    timeoutMs: 1000,
    retries: 0,
    maxEntries: 1000,
    maxTtlSeconds: 86_400,
    maxNegativeTtlSeconds: 3600,
  });
  const backoff = new TargetBackoff({ clock, backoffMs: 30_000 });
  return {
    backoff,
    locator: new SipLocator({
      dns,
      backoff,
      transports: options.transports ?? ['tls', 'tcp', 'udp'],
      addressFamilies: ['ipv4', 'ipv6'],
      maxTargets: options.maxTargets ?? 16,
      random: seededRandom(3),
    }),
  };
}

const brief = (targets: LocatedTarget[]) => targets.map((t) => `${t.protocol} ${t.address}:${t.port}`);

function fullChain(): FakeDnsTransport {
  return new FakeDnsTransport().add(
    naptr('b.example.net', 10, 10, 's', 'SIP+D2T', '', '_sip._tcp.b.example.net'),
    naptr('b.example.net', 20, 10, 's', 'SIPS+D2T', '', '_sips._tcp.b.example.net'),
    srv('_sips._tcp.b.example.net', 10, 0, 5061, 'edge1.b.example.net'),
    srv('_sips._tcp.b.example.net', 20, 0, 5071, 'edge2.b.example.net'),
    srv('_sip._tcp.b.example.net', 10, 0, 5060, 'edge1.b.example.net'),
    a('edge1.b.example.net', '192.0.2.1'),
    aaaa('edge1.b.example.net', '2001:db8::1'),
    a('edge2.b.example.net', '192.0.2.2'),
  );
}

describe('D2 RFC 3263 location', () => {
  it('D2 follows NAPTR → SRV → A/AAAA, TLS first, priorities in order, IPv4 before IPv6', async () => {
    const targets = await locator(fullChain()).locator.locate({ host: 'b.example.net', secure: false });
    expect(brief(targets)).toEqual([
      'tls 192.0.2.1:5061',
      'tls 2001:db8::1:5061',
      'tls 192.0.2.2:5071',
      'tcp 192.0.2.1:5060',
      'tcp 2001:db8::1:5060',
    ]);
    expect(targets.every((t) => t.servername === 'b.example.net')).toBe(true);
  });

  it('D2 without NAPTR queries _sips._tcp, _sip._tcp and _sip._udp (RFC 3263 §4.1)', async () => {
    const transport = new FakeDnsTransport().add(
      srv('_sip._udp.srv-only.example.net', 10, 0, 5062, 'sip.srv-only.example.net'),
      srv('_sips._tcp.srv-only.example.net', 10, 0, 5063, 'sip.srv-only.example.net'),
      a('sip.srv-only.example.net', '192.0.2.5'),
    );
    const targets = await locator(transport).locator.locate({ host: 'srv-only.example.net', secure: false });
    expect(brief(targets)).toEqual(['tls 192.0.2.5:5063', 'udp 192.0.2.5:5062']);
    expect(transport.count('_sip._tcp.srv-only.example.net', 'SRV')).toBe(1);
  });

  it('D2 without NAPTR or SRV uses the address records on the default ports (RFC 3263 §4.2)', async () => {
    const transport = new FakeDnsTransport().add(a('a-only.example.net', '192.0.2.9'));
    expect(brief(await locator(transport).locator.locate({ host: 'a-only.example.net', secure: false }))).toEqual([
      'tls 192.0.2.9:5061',
      'tcp 192.0.2.9:5060',
      'udp 192.0.2.9:5060',
    ]);
  });

  it('D2 skips NAPTR and SRV when the URI gives a port', async () => {
    const transport = fullChain();
    const targets = await locator(transport, { transports: ['tcp'] }).locator.locate({
      host: 'edge2.b.example.net',
      port: 5099,
      secure: false,
    });
    expect(brief(targets)).toEqual(['tcp 192.0.2.2:5099']);
    expect(transport.count('edge2.b.example.net', 'NAPTR')).toBe(0);
  });

  it('D2 a transport parameter goes straight to that SRV name', async () => {
    const transport = fullChain();
    expect(
      brief(await locator(transport).locator.locate({ host: 'b.example.net', transport: 'tcp', secure: false })),
    ).toEqual(['tcp 192.0.2.1:5060', 'tcp 2001:db8::1:5060']);
    expect(transport.count('b.example.net', 'NAPTR')).toBe(0);
  });

  it('D2 a sips: URI is reached over TLS only', async () => {
    const targets = await locator(fullChain()).locator.locate({ host: 'b.example.net', secure: true });
    expect(new Set(targets.map((t) => t.protocol))).toEqual(new Set(['tls']));
  });

  it('D2 an IP literal needs no DNS at all', async () => {
    const transport = new FakeDnsTransport();
    expect(
      brief(await locator(transport, { transports: ['tcp'] }).locator.locate({ host: '[2001:db8::7]', secure: false })),
    ).toEqual(['tcp 2001:db8::7:5060']);
    expect(transport.exchanges).toEqual([]);
  });

  it('D2 a target that failed goes to the end of the list until its back-off has passed', async () => {
    const clock = new FakeClock();
    const { locator: l, backoff } = locator(fullChain(), { clock });
    backoff.reportFailure({ protocol: 'tls', address: '192.0.2.1', port: 5061 });
    expect(brief(await l.locate({ host: 'b.example.net', secure: false }))[0]).toBe('tls 2001:db8::1:5061');
    expect(brief(await l.locate({ host: 'b.example.net', secure: false })).at(-1)).toBe('tls 192.0.2.1:5061');
    clock.advance(30_000);
    expect(brief(await l.locate({ host: 'b.example.net', secure: false }))[0]).toBe('tls 192.0.2.1:5061');
  });

  it('D3 reuses the DNS walk until its first answer expires, drawing the SRV order afresh each time', async () => {
    const clock = new FakeClock();
    const transport = fullChain();
    transport.replace('edge2.b.example.net', 'A', a('edge2.b.example.net', '192.0.2.2', 60));
    const { locator: l } = locator(transport, { clock });
    await l.locate({ host: 'b.example.net', secure: false });
    const asked = transport.exchanges.length;
    clock.advance(59_999);
    await l.locate({ host: 'b.example.net', secure: false });
    expect(transport.exchanges.length).toBe(asked);
    transport.replace('edge2.b.example.net', 'A', a('edge2.b.example.net', '192.0.2.22', 60));
    clock.advance(1);
    expect(brief(await l.locate({ host: 'b.example.net', secure: false }))).toContain('tls 192.0.2.22:5071');
  });

  it('D2 hands out at most maxTargets targets', async () => {
    expect(
      await locator(fullChain(), { maxTargets: 2 }).locator.locate({ host: 'b.example.net', secure: false }),
    ).toHaveLength(2);
  });

  it('D2 says NOT_FOUND (404) for a domain with nothing in DNS, DNS_TIMEOUT (503) when DNS did not answer', async () => {
    await expect(
      locator(new FakeDnsTransport()).locator.locate({ host: 'nowhere.example.net', secure: false }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    const silent = new FakeDnsTransport();
    silent.failNext.push(...Array(20).fill('timeout'));
    await expect(locator(silent).locator.locate({ host: 'b.example.net', secure: false })).rejects.toMatchObject({
      code: 'DNS_TIMEOUT',
      status: 503,
    });
  });

  it('D8 traces the NAPTR chosen and the SRV order', async () => {
    const trace = new ResolutionTrace();
    await locator(fullChain()).locator.locate({ host: 'b.example.net', secure: false }, trace);
    const decisions = trace.steps.filter((s) => s.kind === 'decision').map((s) => s.text);
    expect(decisions[0]).toBe(
      'NAPTR 20 10 "s" "SIPS+D2T" "" _sips._tcp.b.example.net → tls via SRV _sips._tcp.b.example.net',
    );
    expect(decisions).toContain(
      'tls SRV order (priority, then weighted random, RFC 2782): edge1.b.example.net:5061 (priority 10, weight 0), edge2.b.example.net:5071 (priority 20, weight 0)',
    );
  });
});

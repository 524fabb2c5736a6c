import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { FakeDnsTransport, naptr } from '../../test/support/fake-dns-transport.js';
import { DnsClient } from './dns-client.js';
import { EnumResolver } from './enum-resolver.js';
import { ResolutionTrace } from './resolution-trace.js';

const NUMBER = '+4311234567890';
const DOMAIN = '0.9.8.7.6.5.4.3.2.1.1.3.4.e164.arpa';

function resolver(transport: FakeDnsTransport, options: { suffixes?: string[]; maxChainDepth?: number } = {}) {
  const dns = new DnsClient({
    clock: new FakeClock(),
    transport,
    servers: [{ address: '192.0.2.53', port: 53 }],
    timeoutMs: 1000,
    retries: 0,
    maxEntries: 1000,
    maxTtlSeconds: 86_400,
    maxNegativeTtlSeconds: 3600,
  });
  return new EnumResolver({
    dns,
    suffixes: options.suffixes ?? ['e164.arpa'],
    maxChainDepth: options.maxChainDepth ?? 5,
  });
}

function zone(...records: ReturnType<typeof naptr>[]) {
  return new FakeDnsTransport().add(...records);
}

describe('D4 ENUM resolution (RFC 6116)', () => {
  it('D4 applies the E2U+sip rule of the reversed-digit domain', async () => {
    const transport = zone(naptr(DOMAIN, 100, 10, 'u', 'E2U+sip', '!^.*$!sip:alice@b.example.net!'));
    expect(await resolver(transport).resolve(NUMBER, ['sip'])).toMatchObject({
      uri: 'sip:alice@b.example.net',
      service: 'sip',
      number: NUMBER,
    });
  });

  it('D4 MESSAGE takes E2U+im (000) over E2U+sip, even of lower order', async () => {
    const transport = zone(
      naptr(DOMAIN, 10, 10, 'u', 'E2U+sip', '!^.*$!sip:alice@b.example.net!'),
      naptr(DOMAIN, 20, 10, 'u', 'E2U+im', '!^.*$!im:alice@b.example.net!'),
    );
    expect((await resolver(transport).resolve(NUMBER, ['im', 'sip'])).uri).toBe('im:alice@b.example.net');
  });

  it('D4 SUBSCRIBE to presence takes E2U+pres (001), and falls back to sip without one', async () => {
    const withPres = zone(
      naptr(DOMAIN, 10, 10, 'u', 'E2U+sip', '!^.*$!sip:a@b.example.net!'),
      naptr(DOMAIN, 10, 20, 'u', 'E2U+pres', '!^.*$!pres:a@b.example.net!'),
    );
    expect((await resolver(withPres).resolve(NUMBER, ['pres', 'sip'])).uri).toBe('pres:a@b.example.net');
    const sipOnly = zone(naptr(DOMAIN, 10, 10, 'u', 'E2U+sip', '!^.*$!sip:a@b.example.net!'));
    expect(await resolver(sipOnly).resolve(NUMBER, ['pres', 'sip'])).toMatchObject({
      uri: 'sip:a@b.example.net',
      service: 'sip',
    });
  });

  it('D4 takes order, then preference, among rules of one enumservice', async () => {
    const transport = zone(
      naptr(DOMAIN, 20, 1, 'u', 'E2U+sip', '!^.*$!sip:third@b.example.net!'),
      naptr(DOMAIN, 10, 20, 'u', 'E2U+sip', '!^.*$!sip:second@b.example.net!'),
      naptr(DOMAIN, 10, 10, 'u', 'sip+E2U', '!^.*$!sip:first@b.example.net!'),
    );
    expect((await resolver(transport).resolve(NUMBER, ['sip'])).uri).toBe('sip:first@b.example.net');
  });

  it('D4 follows a non-terminal rule to its replacement', async () => {
    const transport = zone(
      naptr(DOMAIN, 10, 10, '', 'E2U+sip', '', 'numbers.b.example.net'),
      naptr('numbers.b.example.net', 10, 10, 'u', 'E2U+sip', '!^\\+43(.*)$!sip:\\1@b.example.net!'),
    );
    expect((await resolver(transport).resolve(NUMBER, ['sip'])).uri).toBe('sip:11234567890@b.example.net');
  });

  it('D4 follows a non-terminal rule whose services field is empty (RFC 3403 §4.1, RFC 6116 §3.4.3), for any enumservice', async () => {
    const transport = zone(
      naptr(DOMAIN, 10, 10, '', '', '', 'numbers.b.example.net'),
      naptr('numbers.b.example.net', 10, 10, 'u', 'E2U+im', '!^\\+43(.*)$!im:\\1@b.example.net!'),
      naptr('numbers.b.example.net', 10, 20, 'u', 'E2U+sip', '!^\\+43(.*)$!sip:\\1@b.example.net!'),
    );
    expect((await resolver(transport).resolve(NUMBER, ['sip'])).uri).toBe('sip:11234567890@b.example.net');
    expect((await resolver(transport).resolve(NUMBER, ['im', 'sip'])).uri).toBe('im:11234567890@b.example.net');
  });

  it('D4 does not follow a non-terminal rule of another application (services SIP+D2T)', async () => {
    const transport = zone(
      naptr(DOMAIN, 10, 10, '', 'SIP+D2T', '', 'numbers.b.example.net'),
      naptr('numbers.b.example.net', 10, 10, 'u', 'E2U+sip', '!^.*$!sip:x@b.example.net!'),
    );
    await expect(resolver(transport).resolve(NUMBER, ['sip'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('D4 tries each configured suffix in turn', async () => {
    const transport = zone(
      naptr('0.9.8.7.6.5.4.3.2.1.1.3.4.e164.example.net', 10, 10, 'u', 'E2U+sip', '!^.*$!sip:x@b.example.net!'),
    );
    expect(
      (await resolver(transport, { suffixes: ['e164.arpa', 'e164.example.net'] }).resolve(NUMBER, ['sip'])).uri,
    ).toBe('sip:x@b.example.net');
  });

  it('D4 says NOT_FOUND when no rule yields a wanted enumservice', async () => {
    const transport = zone(naptr(DOMAIN, 10, 10, 'u', 'E2U+web:http', '!^.*$!http://b.example.net/!'));
    await expect(resolver(transport).resolve(NUMBER, ['im', 'sip'])).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
  });

  it('D4 passes over a malformed rule for the next one, and names it when nothing else works', async () => {
    const good = zone(
      naptr(DOMAIN, 10, 10, 'u', 'E2U+sip', '!^(.*$!sip:x!'),
      naptr(DOMAIN, 20, 10, 'u', 'E2U+sip', '!^.*$!sip:ok@b.example.net!'),
    );
    const trace = new ResolutionTrace();
    expect((await resolver(good).resolve(NUMBER, ['sip'], trace)).uri).toBe('sip:ok@b.example.net');
    expect(trace.steps.some((s) => s.kind === 'decision' && s.text.startsWith('rejected'))).toBe(true);
    const bad = zone(naptr(DOMAIN, 10, 10, 'u', 'E2U+sip', '!^(.*$!sip:x!'));
    await expect(resolver(bad).resolve(NUMBER, ['sip'])).rejects.toMatchObject({ code: 'NAPTR_REGEXP_MALFORMED' });
  });
});

describe('D6 enum: results are looked up again (004)', () => {
  const FROM = '+432221234567890';
  const FROM_DOMAIN = '0.9.8.7.6.5.4.3.2.1.2.2.2.3.4.e164.arpa';

  it('D6 re-submits an enum: result as a new ENUM query, its parameters ignored', async () => {
    const transport = zone(
      naptr(FROM_DOMAIN, 10, 10, 'u', 'E2U+sip', '!^\\+43222(.*)$!enum:+431\\1;foo=bar!'),
      naptr(DOMAIN, 10, 10, 'u', 'E2U+sip', '!^.*$!sip:vienna@b.example.net!'),
    );
    expect(await resolver(transport).resolve(FROM, ['sip'])).toMatchObject({
      uri: 'sip:vienna@b.example.net',
      number: NUMBER,
    });
  });

  it('D6 never re-submits a tel: result', async () => {
    const transport = zone(naptr(DOMAIN, 10, 10, 'u', 'E2U+sip', '!^.*$!tel:+4311234567890!'));
    await expect(resolver(transport).resolve(NUMBER, ['sip'])).rejects.toMatchObject({ code: 'ENUM_TEL_RESULT' });
    expect(transport.exchanges).toHaveLength(1);
  });

  it('D6 stops a self-loop with ENUM_LOOP', async () => {
    const transport = zone(naptr(DOMAIN, 10, 10, 'u', 'E2U+sip', `!^.*$!enum:${NUMBER}!`));
    await expect(resolver(transport).resolve(NUMBER, ['sip'])).rejects.toMatchObject({
      code: 'ENUM_LOOP',
      message: `ENUM loop: ${NUMBER} → ${NUMBER}`,
    });
  });

  it('D6 stops a loop between two numbers with ENUM_LOOP', async () => {
    const transport = zone(
      naptr(DOMAIN, 10, 10, 'u', 'E2U+sip', `!^.*$!enum:${FROM}!`),
      naptr(FROM_DOMAIN, 10, 10, 'u', 'E2U+sip', `!^.*$!enum:${NUMBER}!`),
    );
    await expect(resolver(transport).resolve(NUMBER, ['sip'])).rejects.toMatchObject({ code: 'ENUM_LOOP' });
  });

  it('D6 stops a chain longer than maxChainDepth, and allows one exactly that long', async () => {
    const numbers = ['+101', '+102', '+103', '+104'];
    const records = numbers
      .slice(0, -1)
      .map((n, i) =>
        naptr(
          `${[...n.slice(1)].reverse().join('.')}.e164.arpa`,
          10,
          10,
          'u',
          'E2U+sip',
          `!^.*$!enum:${numbers[i + 1]}!`,
        ),
      );
    records.push(naptr('4.0.1.e164.arpa', 10, 10, 'u', 'E2U+sip', '!^.*$!sip:end@b.example.net!'));
    expect((await resolver(zone(...records), { maxChainDepth: 3 }).resolve('+101', ['sip'])).uri).toBe(
      'sip:end@b.example.net',
    );
    await expect(resolver(zone(...records), { maxChainDepth: 2 }).resolve('+101', ['sip'])).rejects.toMatchObject({
      code: 'ENUM_CHAIN_TOO_DEEP',
    });
  });

  it('D6 stops a loop of non-terminal rules too', async () => {
    const transport = zone(
      naptr(DOMAIN, 10, 10, '', 'E2U+sip', '', 'x.example.net'),
      naptr('x.example.net', 10, 10, '', 'E2U+sip', '', DOMAIN),
    );
    await expect(resolver(transport).resolve(NUMBER, ['sip'])).rejects.toMatchObject({ code: 'ENUM_LOOP' });
  });
});

// D4, D5, D6 against bind9: the e164.arpa zone of test/fixtures/dns with E2U+sip, E2U+im (RFC 5028),
// E2U+pres (RFC 3953), non-terminal rules, enum: redirection (draft-brandner-enum-uri), loops and
// malformed rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResolutionTrace } from '../../../src/discovery/resolution-trace.js';
import { parseUri } from '../../../src/sip/uri.js';
import { BIND9_SETUP_TIMEOUT_MS, startBind9, type Bind9 } from '../../support/bind9.js';
import { bindDiscovery, stopClocks } from './bind-discovery.js';

let bind: Bind9;

beforeAll(async () => {
  bind = await startBind9({ zones: ['e164.arpa', 'b.example.net', 'a.example.com'] });
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  stopClocks();
  await bind?.stop();
});

const enumFor = (number: string, wants: Array<'sip' | 'im' | 'pres'>, trace?: ResolutionTrace) =>
  bindDiscovery(bind).enumResolver.resolve(number, wants, trace);

describe('D4 ENUM against bind9', () => {
  it('D4 INVITE takes E2U+sip', async () => {
    expect(await enumFor('+12025550100', ['sip'])).toMatchObject({ uri: 'sip:alice@b.example.net', service: 'sip' });
  });

  it('D4 MESSAGE takes E2U+im (RFC 5028) and yields an im: URI', async () => {
    expect(await enumFor('+12025550100', ['im', 'sip'])).toMatchObject({
      uri: 'im:alice@b.example.net',
      service: 'im',
    });
  });

  it('D4 SUBSCRIBE to presence takes E2U+pres (RFC 3953) and yields a pres: URI', async () => {
    expect(await enumFor('+12025550100', ['pres', 'sip'])).toMatchObject({
      uri: 'pres:alice@b.example.net',
      service: 'pres',
    });
    expect((await enumFor('+12025332600', ['pres', 'sip'])).uri).toBe('pres:jon.peterson@neustar.biz');
  });

  it('D4 MESSAGE and SUBSCRIBE fall back to sip (here in the legacy sip+E2U form)', async () => {
    expect((await enumFor('+12025550101', ['im', 'sip'])).uri).toBe('sip:bob@b.example.net');
    expect((await enumFor('+12025550101', ['pres', 'sip'])).uri).toBe('sip:bob@b.example.net');
  });

  it('D4 follows a non-terminal rule to its replacement domain', async () => {
    expect((await enumFor('+12025550102', ['sip'])).uri).toBe('sip:2025550102@b.example.net');
  });

  it('D4 follows a non-terminal rule whose services field is empty (RFC 3403 §4.1), for MESSAGE too', async () => {
    expect((await enumFor('+12025550104', ['sip'])).uri).toBe('sip:2025550104@b.example.net');
    expect((await enumFor('+12025550104', ['im', 'sip'])).uri).toBe('sip:2025550104@b.example.net');
  });

  it('D4 refuses malformed rules with a clear error', async () => {
    await expect(enumFor('+4910004', ['sip'])).rejects.toMatchObject({
      code: 'NAPTR_REGEXP_MALFORMED',
      message: expect.stringContaining('"\\d" at offset 3 is undefined in an ERE'),
    });
    await expect(enumFor('+4910005', ['sip'])).rejects.toMatchObject({
      code: 'NAPTR_REGEXP_MALFORMED',
      message: expect.stringContaining('"\\q" in the replacement'),
    });
    await expect(enumFor('+4910006', ['sip'])).rejects.toMatchObject({
      code: 'NAPTR_REGEXP_MALFORMED',
      message: expect.stringContaining('does not start an interval'),
    });
  });

  it('D4 passes over a malformed rule to the next one, saying so in the trace', async () => {
    const trace = new ResolutionTrace();
    expect((await enumFor('+4910009', ['sip'], trace)).uri).toBe('sip:10009@b.example.net');
    expect(trace.steps).toContainEqual(
      expect.objectContaining({
        kind: 'decision',
        text: expect.stringMatching(/^rejected NAPTR 10 10 "u" "E2U\+sip"/),
      }),
    );
  });

  it('D4 says NOT_FOUND for a number without ENUM records', async () => {
    await expect(enumFor('+999', ['sip'])).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});

describe('D6 enum: redirection (draft-brandner-enum-uri) against bind9', () => {
  it('D6 the corrected rule !^\\+43222(.*)$!enum:+431\\1! redirects +432221234567890 to +4311234567890', async () => {
    const trace = new ResolutionTrace();
    expect(await enumFor('+432221234567890', ['sip'], trace)).toMatchObject({
      uri: 'sip:vienna@b.example.net',
      number: '+4311234567890',
    });
    expect(trace.steps.filter((s) => s.kind === 'query').map((s) => s.kind === 'query' && s.answer.name)).toEqual([
      '0.9.8.7.6.5.4.3.2.1.2.2.2.3.4.e164.arpa',
      '0.9.8.7.6.5.4.3.2.1.1.3.4.e164.arpa',
    ]);
  });

  it('D6 the rule as draft-brandner-enum-uri writes it (!^43222(.*)$!…) matches nothing: the string begins with "+"', async () => {
    const trace = new ResolutionTrace();
    await expect(enumFor('+432228765432109', ['sip'], trace)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(trace.steps).toContainEqual(
      expect.objectContaining({
        kind: 'decision',
        text: expect.stringContaining('the regexp does not match "+432228765432109"'),
      }),
    );
  });

  it('D6 stops a loop between two numbers', async () => {
    await expect(enumFor('+4910001', ['sip'])).rejects.toMatchObject({
      code: 'ENUM_LOOP',
      message: 'ENUM loop: +4910001 → +4910002 → +4910001',
    });
  });

  it('D6 stops a self-loop', async () => {
    await expect(enumFor('+4910003', ['sip'])).rejects.toMatchObject({
      code: 'ENUM_LOOP',
      message: 'ENUM loop: +4910003 → +4910003',
    });
  });

  it('D6 stops a chain deeper than maxChainDepth (default 5) and follows it with a higher limit', async () => {
    await expect(enumFor('+4920001', ['sip'])).rejects.toMatchObject({ code: 'ENUM_CHAIN_TOO_DEEP' });
    expect(
      (await bindDiscovery(bind, { enum: { maxChainDepth: 6 } }).enumResolver.resolve('+4920001', ['sip'])).uri,
    ).toBe('sip:deep@b.example.net');
  });

  it('D6 does not re-submit a tel: result', async () => {
    await expect(enumFor('+4910007', ['sip'])).rejects.toMatchObject({ code: 'ENUM_TEL_RESULT' });
  });
});

describe('D5 im: and pres: against bind9', () => {
  it('D5 ENUM → im: → _im._sip SRV → target, with the Request-URI sip:user@domain', async () => {
    const { destinations } = bindDiscovery(bind);
    const destination = await destinations.toSip(parseUri('tel:+12025550100'), ['im', 'sip']);
    expect(destination.requestUri).toBe('sip:alice@b.example.net');
    expect(await destinations.locate(destination)).toEqual([
      { protocol: 'tls', address: '192.0.2.11', port: 5061, servername: 'b.example.net' },
    ]); // D2: TLS only by default
  });

  it('D5 pres: goes to _pres._sip SRV', async () => {
    const { destinations } = bindDiscovery(bind, { transports: ['tls'] });
    const destination = await destinations.toSip(parseUri('pres:alice@b.example.net'), ['pres', 'sip']);
    expect((await destinations.locate(destination)).map((t) => t.address)).toEqual(['192.0.2.12']);
  });

  it('D5 without _im._sip SRV, the SIP URI of the same user@domain (RFC 3263 for a.example.com)', async () => {
    const { destinations } = bindDiscovery(bind, { transports: ['tls'] });
    const destination = await destinations.toSip(parseUri('im:carol@a.example.com'), ['im', 'sip']);
    expect((await destinations.locate(destination)).map((t) => `${t.address}:${t.port}`)).toEqual(['192.0.2.100:5061']);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfigText } from './load-config.js';

function check(discovery: string, extra = '') {
  return parseConfigText(`domains: [a.example.com]\n${extra}discovery:\n${discovery}`, 'config.yaml');
}

function problems(discovery: string, extra = ''): string[] {
  const result = check(discovery, extra);
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.problems.map((p) => `${p.key}: ${p.problem}. Fix: ${p.fix}`);
}

describe('D1-D7 discovery configuration', () => {
  it('D1 defaults to closed federation with the system resolvers, e164.arpa and MIMI off', () => {
    const result = check('  federation: closed\n');
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const d = result.config.discovery;
    expect(d).toMatchObject({
      federation: 'closed',
      allow: [],
      deny: [],
      resolvers: [],
      timeoutMs: 2000,
      retries: 2,
      failureBackoffMs: 30_000,
    });
    expect(d.transports).toEqual(['tls']); // D2, F2: TLS between edges unless the operator opts in
    expect(d.enum).toEqual({ suffixes: ['e164.arpa'], maxChainDepth: 5 });
    expect(d.mimi).toMatchObject({ enabled: false, recordName: '{mui}', recordType: 'TXT', services: ['sip'] });
  });

  it('D3 accepts resolvers as IPv4 and bracketed IPv6 host:port', () => {
    const result = check('  resolvers: ["127.0.0.1:5300", "[::1]:53"]\n');
    expect(result.ok && result.config.discovery.resolvers).toEqual(['127.0.0.1:5300', '[::1]:53']);
  });

  it('D3 refuses a resolver given by name, or without a port, with the fix', () => {
    expect(problems('  resolvers: ["ns.example.net:53", "127.0.0.1"]\n')).toEqual([
      'discovery.resolvers[0]: `ns.example.net` is a host name; a resolver must be an IP address. Fix: write the resolver as 192.0.2.53:53 or [2001:db8::53]:53',
      expect.stringMatching(
        /^discovery\.resolvers\[1\]: `127\.0\.0\.1` is not host:port\. Fix: write an IP address and port/,
      ),
    ]);
  });

  it('D1 refuses a domain that is both denied and statically routed, or own and allowed', () => {
    const routes = 'routes: [{ domain: b.example.net, targets: [{ host: 192.0.2.1, port: 5061, transport: tls }] }]\n';
    expect(problems('  deny: [b.example.net]\n  allow: [a.example.com]\n', routes)).toEqual([
      'discovery.deny[0]: `b.example.net` also has a static route in routes. Fix: remove the static route or the deny entry',
      "discovery.allow[0]: `a.example.com` is one of this edge's own domains. Fix: remove it from discovery.allow",
    ]);
  });

  it('D1 G1 refuses an agreement with a denied or own domain, and a route identity naming an own domain', () => {
    const extra = [
      'agreements: [{ peer: evil.example }, { peer: a.example.com }]',
      'routes: [{ domain: b.example.net, targets: [{ host: 192.0.2.1, port: 5061, transport: tls }], identity: [a.example.com] }]',
      '',
    ].join('\n');
    expect(problems('  deny: [evil.example]\n', extra)).toEqual([
      'agreements[0].peer: `evil.example` is also in discovery.deny. Fix: remove the agreement or the deny entry',
      "agreements[1].peer: `a.example.com` is one of this edge's own domains. Fix: name a peer community",
      "routes[0].identity[0]: `a.example.com` is one of this edge's own domains. Fix: list the names the peer edge's certificate carries",
    ]);
  });

  it('D2 refuses a repeated transport and an unknown one', () => {
    expect(problems('  transports: [tls, tls]\n')).toEqual([
      'discovery.transports[1]: repeats `tls`. Fix: list each choice once, in order of preference',
    ]);
    expect(problems('  transports: [tls, sctp]\n')[0]).toMatch(
      /^discovery\.transports\[1\]: expected one of udp, tcp, tls/,
    );
  });

  it('D6 bounds the ENUM chain depth', () => {
    expect(problems('  enum: { maxChainDepth: 0 }\n')[0]).toMatch(
      /^discovery\.enum\.maxChainDepth: must be at least 1/,
    );
  });

  it('D7 accepts TYPEnnn record types and checks the owner-name templates', () => {
    const result = check('  mimi: { enabled: true, recordType: type65280, recordName: "_mimi.{mui}" }\n');
    expect(result.ok && result.config.discovery.mimi).toMatchObject({
      enabled: true,
      recordType: 'TYPE65280',
      recordName: '_mimi.{mui}',
    });
    expect(problems('  mimi: { recordType: MX, recordName: "_mimi" }\n')).toEqual([
      expect.stringMatching(/^discovery\.mimi\.recordName: `_mimi` must contain `\{mui\}` exactly once/),
      expect.stringMatching(/^discovery\.mimi\.recordType: `MX` is not a record type/),
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfigText } from './load-config.js';
import { plaintextPeerOptIns } from './plaintext-peer-opt-ins.js';

function check(yaml: string) {
  return parseConfigText(`domains: [a.example.com]\n${yaml}`, 'config.yaml');
}

function problems(yaml: string): string[] {
  const result = check(yaml);
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.problems.map((p) => `${p.key}: ${p.problem}. Fix: ${p.fix}`);
}

function optIns(yaml: string) {
  const result = check(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return plaintextPeerOptIns(result.config);
}

const TLS_ROUTE = 'routes: [{ domain: b.example.net, targets: [{ host: 192.0.2.1, port: 5061, transport: tls }] }]\n';
const TCP_ROUTE =
  'routes: [{ domain: b.example.net, targets: [{ host: 192.0.2.1, port: 5061, transport: tls }, { host: 192.0.2.2, port: 5060, transport: tcp }] }]\n';

describe('D2 F2 static routes reach peers over TLS unless the route opts in to cleartext', () => {
  it('D2 refuses a tcp or udp target of a route without plaintext: true, naming the key and the fix', () => {
    expect(problems(TCP_ROUTE)).toEqual([
      'routes[0].targets[1].transport: reaches the peer `b.example.net` over tcp, in cleartext; the inter-domain profile requires TLS between edges. ' +
        'Fix: write transport: tls (port 5061), or set plaintext: true on this route to accept cleartext to b.example.net (logged as a warning at start)',
    ]);
    expect(
      problems(
        'routes: [{ domain: b.example.net, targets: [{ host: 192.0.2.1, port: 5060, transport: udp }], plaintext: false }]\n',
      ),
    ).toEqual([
      expect.stringMatching(/^routes\[0\]\.targets\[0\]\.transport: reaches the peer `b\.example\.net` over udp/),
    ]);
  });

  it('D2 accepts a cleartext target on a route that says plaintext: true, and lists it as an opt-in to warn about', () => {
    expect(optIns(TCP_ROUTE.replace('] }]', '], plaintext: true }]'))).toEqual([
      { key: 'routes[0].plaintext', peer: 'b.example.net', transports: ['tcp'] },
    ]);
  });

  it('D2 a TLS-only configuration opts in to nothing, even with plaintext: true on a TLS route', () => {
    expect(optIns(TLS_ROUTE)).toEqual([]);
    expect(optIns(TLS_ROUTE.replace('] }]', '], plaintext: true }]'))).toEqual([]);
  });

  it('D2 a tcp or udp entry in discovery.transports is the opt-in for discovered peers', () => {
    expect(optIns('discovery: { transports: [tls, tcp, udp] }\n')).toEqual([
      { key: 'discovery.transports', peer: 'discovered peers', transports: ['tcp', 'udp'] },
    ]);
  });
});

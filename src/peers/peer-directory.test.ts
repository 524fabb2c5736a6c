import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config.js';
import { PeerDirectory } from './peer-directory.js';

const PIN = 'q'.repeat(43) + '=';

function directoryFrom(yaml: string): PeerDirectory {
  const parsed = parseConfigText(`domains: [a.example.com]\n${yaml}`, 'test');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return new PeerDirectory(parsed.config);
}

const PROVISIONED = [
  'routes: [{ domain: b.example.net, targets: [{ host: 192.0.2.1, port: 5061, transport: tls }], identity: [edge.hoster.example] }]',
  'discovery: { allow: [c.example.org], deny: [evil.example] }',
  `agreements: [{ peer: d.example.com, maxFlows: 2, maxInboundFlows: 1, trust: { spki: ["${PIN}"] } }]`,
  'limits: { maxFlowsPerPeer: 3, maxInboundFlowsPerPeer: 5 }',
].join('\n');

describe('D1 static provisioning', () => {
  it('D1 closed mode admits routed, allowed and agreed peers only, and refuses the deny-list in any mode', () => {
    const directory = directoryFrom(PROVISIONED);
    for (const peer of ['b.example.net', 'c.example.org', 'd.example.com'])
      expect(directory.refusal(peer)).toBeUndefined();
    expect(directory.refusal('x.example.org')?.code).toBe('PEER_NOT_ALLOWED');
    expect(directory.refusal('evil.example')?.code).toBe('PEER_DENIED');
    const open = directoryFrom('discovery: { federation: open, deny: [evil.example] }');
    expect(open.refusal('x.example.org')).toBeUndefined();
    expect(open.refusal('EVIL.example')?.code).toBe('PEER_DENIED');
  });

  it('D1 a routed peer is stood for by its expected identity, any other peer by its own name', () => {
    const directory = directoryFrom(PROVISIONED);
    expect(directory.identitiesOf('b.example.net')).toEqual(['edge.hoster.example']);
    expect(directory.peersOf(['edge.hoster.example'])).toEqual(['edge.hoster.example', 'b.example.net']);
    expect(directory.covers(['edge.hoster.example'], 'b.example.net')).toBe(true);
    expect(directory.covers(['b.example.net'], 'b.example.net')).toBe(false);
    expect(directory.covers(['c.example.org'], 'c.example.org')).toBe(true);
    expect(directory.peersOf(['a.example.com'])).toEqual([]);
    expect(directory.identitySpeakers()).toEqual([{ peer: 'edge.hoster.example', speaksFor: ['b.example.net'] }]);
  });

  it('G1 an agreement overrides the connection caps and pins keys; others get limits', () => {
    const directory = directoryFrom(PROVISIONED);
    expect(directory.termsOf('d.example.com')).toEqual({ maxFlows: 2, maxInboundFlows: 1, spki: new Set([PIN]) });
    expect(directory.termsOf('c.example.org')).toEqual({ maxFlows: 3, maxInboundFlows: 5, spki: new Set() });
  });

  it('G1 refuses a pin that is not a base64 SHA-256 digest, naming the key', () => {
    const parsed = parseConfigText(
      'domains: [a.example.com]\nagreements: [{ peer: d.example.com, trust: { spki: [abc] } }]\n',
      'test',
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems[0]?.key).toBe('agreements[0].trust.spki[0]');
  });
});

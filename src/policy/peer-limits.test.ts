import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config.js';
import { PeerLimitTable } from './peer-limits.js';

function table(yaml: string): PeerLimitTable {
  const parsed = parseConfigText(`domains: [a.example.com]\n${yaml}`, 'test');
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.key}: ${p.problem}`).join('\n'));
  return new PeerLimitTable(parsed.config);
}

describe('G1 per-peer agreements', () => {
  const limits = table(
    [
      'routes: [{ domain: c.example.org, targets: [{ host: 127.0.0.1, port: 5061, transport: tls }] }]',
      'agreements:',
      '  - peer: b.example.net',
      '    limits: { perSender: { capacity: 50, refillPerSecond: 10 }, notifyIntervalSeconds: 300, maxMessageBytes: 2048 }',
      '    assertsTrust: true',
    ].join('\n'),
  );

  it("MUST apply an agreement's overrides and keep the defaults it does not name", () => {
    const b = limits.limitsFor('B.example.net');
    expect(b.discovered).toBe(false);
    expect(b.limits.perSender).toEqual({ capacity: 50, refillPerSecond: 10 });
    expect(b.limits.notifyIntervalSeconds).toBe(300);
    expect(b.limits.maxMessageBytes).toBe(2048);
    expect(b.limits.minSubscriptionExpiresSeconds).toBe(600);
    expect(b.limits.peerAssertsTrust).toBe(true);
  });

  it('Y1 MUST give a peer without agreement or static route the stricter discovered limits', () => {
    const x = limits.limitsFor('x.example.com');
    expect(x.discovered).toBe(true);
    expect(x.limits.perPeer).toEqual({ capacity: 20, refillPerSecond: 20 });
    expect(x.limits.maxDistinctRecipientsPerPeer).toBe(1000);
    expect(x.limits.maxMessageBytes).toBe(65_536);
  });

  it('MUST give a statically routed peer without agreement the profile defaults', () => {
    const c = limits.limitsFor('c.example.org');
    expect(c.discovered).toBe(false);
    expect(c.limits.perPeer).toEqual({ capacity: 400, refillPerSecond: 200 });
    expect(c.limits.peerAssertsTrust).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../config/load-config.js';
import { PeerLimitTable } from '../peer-limits.js';

function config(text: string) {
  const parsed = parseConfigText(`domains: [a.example.com]\n${text}`, 'test');
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.key}: ${p.problem}`).join('\n'));
  return parsed.config;
}

describe('G1 P7-P9 configuration', () => {
  it('MUST default to the profile: 10-minute NOTIFY interval, refresh at half the period, 45-day revalidation', () => {
    const defaults = config('');
    expect(defaults.policy.subscriptions).toEqual({ maxDialogs: 2_000_000, revalidateAfterSeconds: 45 * 86_400 });
    expect(defaults.policy.limits).toMatchObject({
      notifyIntervalSeconds: 600,
      minRefreshIntervalPercent: 50,
      earlyRefreshTolerance: 2,
    });
  });

  it('G1 MUST let an agreement change the NOTIFY interval and the refresh discipline for its peer only', () => {
    const table = new PeerLimitTable(
      config(
        [
          'agreements:',
          '  - peer: b.example.net',
          '    limits: { notifyIntervalSeconds: 300, minRefreshIntervalPercent: 0, earlyRefreshTolerance: 10 }',
          '',
        ].join('\n'),
      ),
    );
    expect(table.limitsFor('b.example.net').limits).toMatchObject({
      notifyIntervalSeconds: 300,
      minRefreshIntervalPercent: 0,
      earlyRefreshTolerance: 10,
    });
    expect(table.limitsFor('c.example.org').limits).toMatchObject({
      notifyIntervalSeconds: 600,
      minRefreshIntervalPercent: 50,
    });
  });

  it('O1 MUST refuse a percentage above 100 and a table too large for one process', () => {
    expect(
      parseConfigText('domains: [a.example.com]\npolicy: { limits: { minRefreshIntervalPercent: 150 } }\n', 'test').ok,
    ).toBe(false);
    expect(
      parseConfigText('domains: [a.example.com]\npolicy: { subscriptions: { maxDialogs: 100000000 } }\n', 'test').ok,
    ).toBe(false);
  });
});

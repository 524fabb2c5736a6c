import { describe, expect, it } from 'vitest';
import { judge } from './expectation-verdict.js';
import { ScenarioRecord } from './outcome-recorder.js';

function record(outcomes: Record<string, number>, crossed: Record<string, number> = {}): ScenarioRecord {
  const r = new ScenarioRecord(true);
  for (const [name, count] of Object.entries(outcomes)) {
    r.outcomes.set(name, count);
    r.completed += count;
  }
  for (const [callId, count] of Object.entries(crossed)) r.crossedPerDialog.set(callId, count);
  return r;
}

describe('L1 verdicts on declared policy expectations', () => {
  it('L1 an outcome count within atMost holds, one above it is broken and says by how much', () => {
    const seen = record({ '2xx': 20, 503: 80 });
    expect(judge('h', { policy: 'Y1', outcome: '2xx', atMost: 20 }, seen).passed).toBe(true);
    const broken = judge('h', { policy: 'Y1', outcome: '2xx', atMost: 10 }, seen);
    expect(broken.passed).toBe(false);
    expect(broken.observed).toContain('20 of 100 were 2xx');
  });

  it('L1 shares are of completed operations', () => {
    const seen = record({ 423: 99, timeout: 1 });
    expect(judge('s', { policy: 'P6', outcome: '423', atLeastShare: 0.99 }, seen).passed).toBe(true);
    expect(judge('s', { policy: 'P6', outcome: '423', atLeastShare: 0.995 }, seen).passed).toBe(false);
  });

  it('L1 "at most 1 unchanged NOTIFY per dialog crossed" fails when any dialog saw two', () => {
    expect(
      judge('n', { policy: 'P8', maxCrossedPerDialog: 1 }, record({ 503: 9, '2xx': 2 }, { a: 1, b: 1 })).passed,
    ).toBe(true);
    expect(judge('n', { policy: 'P8', maxCrossedPerDialog: 1 }, record({ 503: 9, '2xx': 2 }, { a: 2 })).passed).toBe(
      false,
    );
  });

  it('L1 a status class counts every code of the class, a 404 at the border included', () => {
    const seen = record({ '2xx': 5, 403: 2, 404: 1, '404-at-border': 3, 503: 4 });
    expect(judge('x', { policy: 'Y1', outcome: '4xx', atLeast: 6, atMost: 6 }, seen).passed).toBe(true);
    expect(judge('x', { policy: 'Y1', outcome: '5xx', atMost: 3 }, seen).passed).toBe(false);
  });

  it('L1 an expectation with nothing completed never holds', () => {
    expect(judge('x', { policy: 'S2', outcome: '513', atLeast: 0 }, record({})).passed).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { LoadReport } from './load-report.js';
import { renderHtmlReport } from './report-html.js';
import { niceMax } from './svg-charts.js';

const REPORT: LoadReport = {
  tool: 'simple-edge loadtest',
  startedAt: '2026-11-21T17:00:00.000Z',
  target: { external: { host: '127.0.0.1', port: 5061 }, localDomain: 'a.example.com', peerDomain: 'b.example.net' },
  settings: { rate: 100, duration: 2, ramp: 0, senders: 5, concurrency: 10, connections: 2, timeoutMs: 5000 },
  elapsedSeconds: 2,
  totals: { sent: 200, completed: 200, throughputPerSecond: 100, outcomes: { '2xx': 150, 403: 50 } },
  scenarios: [
    {
      name: 'flood',
      kind: 'message-flood',
      policy: 'Y1 <rate>',
      weight: 1,
      sent: 200,
      completed: 200,
      skipped: 0,
      crossed: 150,
      throughputPerSecond: 100,
      outcomes: { '2xx': 150, 403: 50 },
      latencyMs: { count: 200, p50: 1, p90: 2, p99: 3, p999: 4, max: 5, mean: 1.5 },
    },
  ],
  policies: [{ policy: 'Y1 <rate>', scenarios: ['flood'], outcomes: { '2xx': 150, 403: 50 }, verdicts: [] }],
  verdicts: [
    { scenario: 'flood', policy: 'Y1 <rate>', says: 'at most 10 answered 2xx', passed: false, observed: '150 of 200' },
  ],
  passed: false,
  closedByTarget: [],
  timeline: [
    { second: 0, sent: 100, completed: 99, p50Ms: 1, p99Ms: 3 },
    { second: 1, sent: 100, completed: 101, p50Ms: 1.2, p99Ms: 2.5 },
  ],
};

describe('L1 the HTML report', () => {
  it('L1 is one page with three inline SVG charts and no external resource or script', () => {
    const html = renderHtmlReport(REPORT);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('<polyline');
    expect(html).toContain('class="bar"');
  });

  it('L1 escapes what came from the scenario file and shows a broken verdict as broken', () => {
    const html = renderHtmlReport(REPORT);
    expect(html).toContain('Y1 &lt;rate&gt;');
    expect(html).not.toContain('Y1 <rate>');
    expect(html).toContain('class="fail">broken');
  });

  it('L1 chart axes end on round numbers', () => {
    expect([0, 0.7, 3, 7, 12, 180, 1001].map(niceMax)).toEqual([1, 1, 5, 10, 20, 200, 2000]);
  });
});

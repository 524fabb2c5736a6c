// The load report as one self-contained HTML page: inline CSS and inline SVG charts, no script and
// no external resource, so it opens offline and can be mailed to the other operator as it is.

import type { LoadReport, ScenarioReport } from './load-report.js';
import { colorOf, escapeXml, lineChart, stackedBarChart } from './svg-charts.js';

const STYLE = `body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:right;font-size:13px}th{background:#f4f4f4}
td.text,th.text{text-align:left}.pass{color:#2e7d32;font-weight:600}.fail{color:#c62828;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #eee;padding:8px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}`;

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function outcomeCells(outcomes: Record<string, number>): string {
  return Object.entries(outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, count]) => `<span class="swatch" style="background:${colorOf(name)}"></span>${escapeXml(name)}: ${count}`,
    )
    .join('<br>');
}

function scenarioRow(s: ScenarioReport): string {
  const l = s.latencyMs;
  return (
    `<tr><td class="text">${escapeXml(s.name)}</td><td class="text">${escapeXml(s.policy)}</td><td>${s.weight}</td><td>${s.sent}</td>` +
    `<td>${s.completed}</td><td>${s.skipped}</td><td>${s.crossed}</td><td>${s.throughputPerSecond.toFixed(1)}</td>` +
    `<td class="text">${outcomeCells(s.outcomes)}</td><td>${ms(l.p50)}</td><td>${ms(l.p90)}</td><td>${ms(l.p99)}</td><td>${ms(l.p999)}</td><td>${ms(l.max)}</td></tr>`
  );
}

function charts(report: LoadReport): string {
  const rate = lineChart({
    title: 'Rate over time',
    xLabel: 'seconds',
    yLabel: 'operations per second',
    series: [
      { name: 'completed', color: '#2e7d32', points: report.timeline.map((p) => [p.second, p.completed] as const) },
      { name: 'sent', color: '#1565c0', points: report.timeline.map((p) => [p.second, p.sent] as const), dashed: true },
    ],
  });
  const latency = lineChart({
    title: 'Latency over time',
    xLabel: 'seconds',
    yLabel: 'milliseconds',
    series: [
      { name: 'p50', color: '#6a1b9a', points: report.timeline.map((p) => [p.second, p.p50Ms] as const) },
      { name: 'p99', color: '#ef6c00', points: report.timeline.map((p) => [p.second, p.p99Ms] as const) },
    ],
  });
  const outcomes = stackedBarChart({
    title: 'Outcomes by policy',
    yLabel: 'operations',
    groups: report.policies.map((p) => ({ name: p.policy, counts: p.outcomes })),
  });
  return [
    ['rate', rate],
    ['latency', latency],
    ['outcomes', outcomes],
  ]
    .map(([id, svg]) => `<figure class="chart" id="chart-${id}">${svg}</figure>`)
    .join('');
}

function verdictRows(report: LoadReport): string {
  if (report.verdicts.length === 0) return '<p>No expectations were declared in the scenario file.</p>';
  const rows = report.verdicts
    .map(
      (v) =>
        `<tr><td class="text">${escapeXml(v.policy)}</td><td class="text">${escapeXml(v.scenario)}</td>` +
        `<td class="text">${escapeXml(v.says)}</td><td class="text">${escapeXml(v.observed)}</td>` +
        `<td class="${v.passed ? 'pass' : 'fail'}">${v.passed ? 'held' : 'broken'}</td></tr>`,
    )
    .join('');
  return `<table><tr><th class="text">policy</th><th class="text">scenario</th><th class="text">expectation</th><th class="text">observed</th><th>verdict</th></tr>${rows}</table>`;
}

/** The target closed the run's connections: said first, as what follows is not the policy's doing. */
function closedNote(report: LoadReport): string {
  const closed = report.closedByTarget;
  if (closed.length === 0) return '';
  const list = closed.map((c) => `${escapeXml(c.target)} at ${c.atSecond.toFixed(1)} s`).join(', ');
  return `<p class="fail">The target closed ${closed.length} of the run's connections: ${list}.</p>\n`;
}

export function renderHtmlReport(report: LoadReport): string {
  const t = report.target;
  const title = `Load test of ${t.external.host}:${t.external.port} (${t.localDomain}) as ${t.peerDomain}`;
  const s = report.settings;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>
<h1>${escapeXml(title)}</h1>
<p>Started ${escapeXml(report.startedAt)}; ran ${report.elapsedSeconds.toFixed(1)} s at up to ${s.rate}/s (ramp ${s.ramp} s, ${s.senders} senders,
concurrency ${s.concurrency}, ${s.connections} TLS flows, timeout ${s.timeoutMs} ms).
${report.totals.completed} of ${report.totals.sent} operations completed: ${report.totals.throughputPerSecond.toFixed(1)}/s.
Expectations: <span class="${report.passed ? 'pass' : 'fail'}">${report.passed ? 'all held' : 'some broken'}</span>.</p>
${closedNote(report)}<h2>Verdicts</h2>${verdictRows(report)}
<h2>Charts</h2><div class="charts">${charts(report)}</div>
<h2>Scenarios</h2><table><tr><th class="text">scenario</th><th class="text">policy</th><th>weight</th><th>sent</th><th>completed</th>
<th>skipped</th><th>crossed</th><th>per s</th><th class="text">outcomes</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>
${report.scenarios.map(scenarioRow).join('\n')}</table>
<h2>Policies</h2><table><tr><th class="text">policy</th><th class="text">scenarios</th><th class="text">outcomes</th></tr>
${report.policies.map((p) => `<tr><td class="text">${escapeXml(p.policy)}</td><td class="text">${escapeXml(p.scenarios.join(', '))}</td><td class="text">${outcomeCells(p.outcomes)}</td></tr>`).join('\n')}</table>
<p>"crossed" counts requests that reached the far side (this tool, answering as the community or the peer); "404-at-border" is a 404 to a request that never crossed.</p>
</body></html>
`;
}

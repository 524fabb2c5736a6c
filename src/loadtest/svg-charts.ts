// Charts as inline SVG strings, drawn by our own code so the HTML report opens offline with no
// script and no chart library: a line chart (rate and latency over time) and a stacked bar chart
// (outcomes by policy).

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Drawn dashed, so a line another one covers (sent under completed) still shows. */
  readonly dashed?: boolean;
}

const WIDTH = 720;
const HEIGHT = 260;
const MARGIN = { left: 60, right: 20, top: 20, bottom: 40 } as const;

export const OUTCOME_COLORS: Readonly<Record<string, string>> = {
  '2xx': '#2e7d32',
  '403': '#c62828',
  '404-at-border': '#6a1b9a',
  '404': '#8e24aa',
  '423': '#ef6c00',
  '503': '#f9a825',
  '513': '#00838f',
  '604': '#4e342e',
  timeout: '#424242',
  'connection-closed': '#b71c1c',
  accepted: '#1565c0',
  refused: '#ad1457',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function axes(xMax: number, yMax: number, xLabel: string, yLabel: string): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  let out = `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="#555"/>`;
  out += `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="#555"/>`;
  for (let i = 0; i <= 4; i++) {
    const y = MARGIN.top + plotH - (plotH * i) / 4;
    out += `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#eee"/>`;
    out += `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${formatTick((yMax * i) / 4)}</text>`;
    const x = MARGIN.left + (plotW * i) / 4;
    out += `<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" font-size="11">${formatTick((xMax * i) / 4)}</text>`;
  }
  out += `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`;
  out += `<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})">${escapeXml(yLabel)}</text>`;
  return out;
}

function formatTick(value: number): string {
  if (value >= 1000) return `${Math.round(value / 100) / 10}k`;
  return value >= 10 || value === 0 ? String(Math.round(value)) : value.toFixed(1);
}

function legend(items: ReadonlyArray<{ name: string; color: string }>): string {
  return items
    .map((item, i) => {
      const x = MARGIN.left + 10 + (i % 4) * 160;
      const y = MARGIN.top + 4 + Math.floor(i / 4) * 16;
      return `<rect x="${x}" y="${y}" width="10" height="10" fill="${item.color}"/><text x="${x + 14}" y="${y + 9}" font-size="11">${escapeXml(item.name)}</text>`;
    })
    .join('');
}

export function lineChart(options: {
  title: string;
  series: readonly Series[];
  xLabel: string;
  yLabel: string;
}): string {
  const all = options.series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(1, ...all.map((p) => p[0])));
  const yMax = niceMax(Math.max(0, ...all.map((p) => p[1])));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const lines = options.series
    .map((s) => {
      const path = s.points
        .map(
          ([x, y]) =>
            `${(MARGIN.left + (x / xMax) * plotW).toFixed(1)},${(MARGIN.top + plotH - (y / yMax) * plotH).toFixed(1)}`,
        )
        .join(' ');
      const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
      return `<polyline class="series" fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${path}"/>`;
    })
    .join('');
  return svg(options.title, axes(xMax, yMax, options.xLabel, options.yLabel) + lines + legend(options.series));
}

/** One stacked bar per group (a policy), one segment per outcome. */
export function stackedBarChart(options: {
  title: string;
  groups: ReadonlyArray<{ name: string; counts: Record<string, number> }>;
  yLabel: string;
}): string {
  const outcomes = [...new Set(options.groups.flatMap((g) => Object.keys(g.counts)))].sort();
  const yMax = niceMax(Math.max(1, ...options.groups.map((g) => Object.values(g.counts).reduce((a, b) => a + b, 0))));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotW / Math.max(1, options.groups.length);
  let bars = '';
  options.groups.forEach((group, i) => {
    let y = MARGIN.top + plotH;
    const x = MARGIN.left + i * slot + slot * 0.2;
    for (const outcome of outcomes) {
      const count = group.counts[outcome] ?? 0;
      if (count === 0) continue;
      const h = (count / yMax) * plotH;
      y -= h;
      bars += `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${h.toFixed(1)}" fill="${colorOf(outcome)}"><title>${escapeXml(`${group.name}: ${count} × ${outcome}`)}</title></rect>`;
    }
    bars += barLabel(x + slot * 0.3, MARGIN.top + plotH + 14, group.name);
  });
  const axis = axes(1, yMax, '', options.yLabel).replace(
    /<text[^>]*text-anchor="middle" font-size="11">[^<]*<\/text>/g,
    '',
  );
  return svg(options.title, axis + bars + legend(outcomes.map((name) => ({ name, color: colorOf(name) }))));
}

/** A policy name under its bar: the SPEC ID on one line, the rest (shortened) on the next, so labels never collide. */
function barLabel(x: number, y: number, name: string): string {
  const space = name.indexOf(' ');
  const first = space === -1 ? name : name.slice(0, space);
  const rest = space === -1 ? '' : name.slice(space + 1);
  const shortRest = rest.length > 16 ? `${rest.slice(0, 15)}…` : rest;
  return (
    `<text x="${x.toFixed(1)}" y="${y}" text-anchor="middle" font-size="10"><tspan x="${x.toFixed(1)}">${escapeXml(first)}</tspan>` +
    `<tspan x="${x.toFixed(1)}" dy="12">${escapeXml(shortRest)}</tspan></text>`
  );
}

export function colorOf(outcome: string): string {
  return OUTCOME_COLORS[outcome] ?? '#9e9e9e';
}

function svg(title: string, content: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title>${content}</svg>`
  );
}

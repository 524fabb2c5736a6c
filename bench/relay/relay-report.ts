// The report: a line per step while the run goes on, then the table (proxy × transport: maximum
// sustained MESSAGE/s, p50/p99 there and at half simple-edge's maximum, CPU) and beside it the
// overload leg's table (each proxy at 1.5× and 2× its own maximum). The targets are judged in
// relay-targets.ts.

import type { OverloadFigures, OverloadRun } from './overload-leg.js';
import type { LadderResult } from './rate-ladder.js';
import type { ProxyName, Transport } from './relay-bench-options.js';
import type { StepOutcome } from './relay-step.js';

export interface ProxyRun {
  readonly proxy: ProxyName;
  readonly transport: Transport;
  readonly description: string;
  /** Undefined when the proxy was not run on this transport (see `skipped`). */
  readonly ladder: LadderResult | undefined;
  /** The step at half of simple-edge's maximum on the same transport. */
  readonly atEdgeHalf: StepOutcome | undefined;
  /** The overload leg at 1.5× and 2× the proxy's own maximum; undefined when skipped or no maximum. */
  readonly overload?: readonly OverloadRun[];
  /** Why the overload leg was not run although asked for (no rung of the ladder passed, a step aborted). */
  readonly overloadNotRun?: string;
  readonly skipped?: string;
}

export const DISPLAY: Record<ProxyName, string> = {
  'simple-edge': 'simple-edge',
  'simple-edge-policy-off': 'simple-edge, policy off',
  kamailio: 'kamailio',
  'npm-sip': 'npm sip',
  direct: 'direct (SIPp↔SIPp)',
};

export function formatStep(transport: Transport, proxy: ProxyName, step: StepOutcome, note = ''): string {
  const cpu = step.cpu.groups;
  return [
    `  [${transport} ${DISPLAY[proxy]}${note}]`.padEnd(34),
    `${count(step.rate).padStart(7)}/s`,
    step.ok ? 'ok  ' : 'FAIL',
    `achieved ${count(step.uac.achievedRate).padStart(6)}/s`,
    `failed ${(step.failureRatio * 100).toFixed(3)} %`,
    `p50 ${ms(step.probe.p50Ms)} p99 ${ms(step.probe.p99Ms)} max ${ms(step.probe.maxMs)} ms`,
    `| CPU proxy ${pct(cpu.proxy)} (${micros(step)} µs/msg) sipp ${pct(cpu.sipp)} stunnel ${pct(cpu.stunnel)} probe ${pct(cpu.probe)} other ${pct(step.cpu.unaccounted)} (machine ${pct(step.cpu.machineBusy)})`,
    step.ok ? '' : `— ${step.verdict}`,
  ]
    .join('  ')
    .trimEnd();
}

export function formatTable(runs: readonly ProxyRun[]): string[] {
  const edgeHalf = (transport: Transport): number | undefined => {
    const best = runs.find((r) => r.proxy === 'simple-edge' && r.transport === transport)?.ladder?.best;
    return best === undefined ? undefined : best.rate / 2;
  };
  const header = [
    'transport',
    'proxy',
    'max MESSAGE/s',
    'p50 ms',
    'p99 ms',
    'proxy CPU',
    'µs/msg',
    'sipp CPU',
    'stunnel CPU',
    '| ½ edge max',
    'p50 ms',
    'p99 ms',
    'proxy CPU',
    '| stopped by',
  ];
  const rows = runs.map((run) => {
    const best = run.ladder?.best;
    const half = run.atEdgeHalf;
    const top = run.ladder !== undefined && run.ladder.firstFailure === undefined ? ' (top of ladder)' : '';
    const halfRate = edgeHalf(run.transport);
    return [
      run.transport,
      DISPLAY[run.proxy],
      run.ladder === undefined ? 'n/a' : best === undefined ? '< ladder' : count(best.rate) + top,
      ms(best?.probe.p50Ms),
      ms(best?.probe.p99Ms),
      run.proxy === 'direct' ? '-' : pct(best?.cpu.groups.proxy),
      run.proxy === 'direct' ? '-' : micros(best),
      pct(best?.cpu.groups.sipp),
      run.transport === 'tls' ? pct(best?.cpu.groups.stunnel) : '-',
      `| ${halfRate === undefined ? '-' : count(halfRate)}`,
      ms(half?.probe.p50Ms),
      ms(half?.probe.p99Ms),
      run.proxy === 'direct' ? '-' : pct(half?.cpu.groups.proxy),
      `| ${stoppedBy(run)}`,
    ];
  });
  return alignColumns([header, ...rows]);
}

function stoppedBy(run: ProxyRun): string {
  if (run.skipped !== undefined) return run.skipped;
  const failure = run.ladder?.firstFailure;
  const reason =
    failure === undefined
      ? 'nothing (top of the ladder)'
      : `${failure.verdict.split('\n')[0]} at ${count(failure.rate)}/s`;
  return run.ladder?.aborted === undefined ? reason : `${run.ladder.aborted.split('\n')[0]}`;
}

/** One line per overload step while the run goes on. */
export function formatOverloadStep(transport: Transport, proxy: ProxyName, figures: OverloadFigures): string {
  const head = `  [${transport} ${DISPLAY[proxy]} ${figures.factor}× max]`.padEnd(34);
  if (figures.requests === 0) return `${head}${count(figures.offeredRate).padStart(7)}/s  not run: ${figures.broke}`;
  return [
    head,
    `${count(figures.offeredRate).padStart(7)}/s`,
    `sent ${count(figures.sentRate).padStart(6)}/s`,
    `goodput ${count(figures.goodput).padStart(6)}/s (${share(figures.keptShare)} of max)`,
    `503 ${count(figures.shed)} (Retry-After ${count(figures.shedWithRetryAfter)})`,
    `timeouts ${count(figures.timeouts)} other ${count(figures.otherFailures)}`,
    `p99 admitted ${ms(figures.admittedP99Ms)} ms, time-to-503 p99 ${ms(figures.timeTo503P99Ms)} ms`,
    `| CPU proxy ${pct(figures.proxyCpu)}`,
    notes(figures) === '' ? '' : `— ${notes(figures)}`,
  ]
    .join('  ')
    .trimEnd();
}

/** The overload leg, per transport and load, simple-edge's row beside Kamailio's (and the others'). */
export function formatOverloadTable(runs: readonly ProxyRun[]): string[] {
  const header = [
    'transport',
    'load',
    'proxy',
    'offered/s',
    'sent/s',
    'goodput 2xx/s',
    'of max',
    '503s',
    'Retry-After',
    'timeouts',
    'retrans',
    'other',
    'p99 admitted ms',
    'time-to-503 p50',
    'p99 ms',
    'proxy CPU',
    '| other failures; broke',
  ];
  const rows: string[][] = [];
  for (const transport of new Set(runs.map((r) => r.transport))) {
    for (const run of runs) {
      if (run.transport !== transport || run.overloadNotRun === undefined) continue;
      rows.push([
        transport,
        '-',
        DISPLAY[run.proxy],
        ...header.slice(3, -1).map(() => '-'),
        `| not run: ${run.overloadNotRun}`,
      ]);
    }
    const factors = new Set(
      runs.flatMap((r) => (r.transport === transport ? (r.overload ?? []) : [])).map((o) => o.figures.factor),
    );
    for (const factor of [...factors].sort((a, b) => a - b)) {
      for (const run of runs) {
        const figures =
          run.transport === transport ? run.overload?.find((o) => o.figures.factor === factor)?.figures : undefined;
        if (figures === undefined) continue;
        const ran = figures.requests > 0;
        const n = (value: number): string => (ran ? count(value) : '-');
        rows.push([
          transport,
          `${factor}× max`,
          DISPLAY[run.proxy],
          count(figures.offeredRate),
          n(figures.sentRate),
          n(figures.goodput),
          share(figures.keptShare),
          n(figures.shed),
          ran && figures.shed > 0 ? share(figures.shedWithRetryAfter / figures.shed) : '-',
          n(figures.timeouts),
          n(figures.retransmissions),
          n(figures.otherFailures),
          ms(figures.admittedP99Ms),
          ms(figures.timeTo503P50Ms),
          ms(figures.timeTo503P99Ms),
          pct(figures.proxyCpu),
          `| ${notes(figures)}`,
        ]);
      }
    }
  }
  return rows.length === 0 ? [] : alignColumns([header, ...rows], 3);
}

function notes(figures: OverloadFigures): string {
  const reasons = Object.entries(figures.otherReasons).map(([name, n]) => `${name} ${count(n)}`);
  return [...reasons, ...(figures.broke === undefined ? [] : [figures.broke])].join('; ');
}

function share(value: number | undefined): string {
  return value === undefined ? '-' : `${Math.round(value * 100)} %`;
}

function alignColumns(rows: readonly string[][], firstNumeric = 2): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) =>
        i >= firstNumeric && i < r.length - 1 && !cell.startsWith('|')
          ? cell.padStart(widths[i]!)
          : cell.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd(),
  );
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function ms(value: number | undefined): string {
  return value === undefined ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** The proxy's CPU time per relayed MESSAGE (SIPp's and the probe's), in microseconds. */
function micros(step: StepOutcome | undefined): string {
  const value = microsPerMessage(step);
  return value === undefined ? '-' : Math.round(value).toString();
}

export function microsPerMessage(step: StepOutcome | undefined): number | undefined {
  const proxy = step?.cpu.groups.proxy;
  if (step === undefined || proxy === undefined) return undefined;
  const perSecond = step.uac.achievedRate + step.probe.ratePerSecond;
  return perSecond > 0 ? (proxy * 10_000) / perSecond : undefined;
}

export function pct(value: number | undefined): string {
  return value === undefined ? '-' : `${Math.round(value)} %`;
}

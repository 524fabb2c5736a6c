// The report of a load run as data (written as JSON, drawn as HTML): per scenario and per policy the
// outcomes, achieved throughput, latency percentiles from the HdrHistograms, the verdict of each
// declared expectation, and the per-second timeline the charts draw.

import type { Histogram } from 'hdr-histogram-js';
import { judge, type Verdict } from './expectation-verdict.js';
import type { LoadScenario } from './load-scenario.js';
import type { OutcomeRecorder } from './outcome-recorder.js';
import type { ScenarioFile, ScenarioSpec } from './scenario-schema.js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface ScenarioReport {
  readonly name: string;
  readonly kind: string;
  readonly policy: string;
  readonly weight: number;
  readonly sent: number;
  readonly completed: number;
  readonly skipped: number;
  readonly crossed: number;
  readonly throughputPerSecond: number;
  readonly outcomes: Record<string, number>;
  /** Milliseconds, from sending a request to its final response. */
  readonly latencyMs: LatencySummary;
}

export interface PolicyReport {
  readonly policy: string;
  readonly scenarios: readonly string[];
  readonly outcomes: Record<string, number>;
  readonly verdicts: readonly Verdict[];
}

export interface TimelinePoint {
  readonly second: number;
  readonly sent: number;
  readonly completed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface LoadReport {
  readonly tool: 'simple-edge loadtest';
  readonly startedAt: string;
  readonly target: ScenarioFile['target'];
  readonly settings: Pick<
    ScenarioFile,
    'rate' | 'duration' | 'ramp' | 'senders' | 'concurrency' | 'connections' | 'timeoutMs'
  >;
  readonly elapsedSeconds: number;
  readonly totals: {
    readonly sent: number;
    readonly completed: number;
    readonly throughputPerSecond: number;
    readonly outcomes: Record<string, number>;
  };
  readonly scenarios: readonly ScenarioReport[];
  readonly policies: readonly PolicyReport[];
  readonly verdicts: readonly Verdict[];
  /** True when every declared expectation held. */
  readonly passed: boolean;
  /**
   * The run's own connections to the target (peer flows, community flow) the target closed while the
   * load ran; the run stops once none is left. Empty when the target kept them all.
   */
  readonly closedByTarget: readonly ClosedConnection[];
  readonly timeline: readonly TimelinePoint[];
}

export interface ClosedConnection {
  /** host:port of the target's listener. */
  readonly target: string;
  /** Seconds into the load when it closed. */
  readonly atSecond: number;
}

const MICROS_PER_MS = 1000;

function latencyOf(histogram: Histogram): LatencySummary {
  const at = (p: number): number =>
    histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(p) / MICROS_PER_MS;
  return {
    count: histogram.totalCount,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: histogram.totalCount === 0 ? 0 : histogram.maxValue / MICROS_PER_MS,
    mean: histogram.totalCount === 0 ? 0 : histogram.mean / MICROS_PER_MS,
  };
}

function addInto(into: Record<string, number>, from: ReadonlyMap<string, number> | Record<string, number>): void {
  const entries = from instanceof Map ? [...from.entries()] : Object.entries(from);
  for (const [name, count] of entries) into[name] = (into[name] ?? 0) + count;
}

export interface ReportInputs {
  file: ScenarioFile;
  specs: readonly ScenarioSpec[];
  scenarios: readonly LoadScenario[];
  recorder: OutcomeRecorder;
  startedAt: Date;
  closedByTarget?: readonly ClosedConnection[];
}

export function buildReport(options: ReportInputs): LoadReport {
  const { file, recorder } = options;
  const elapsedSeconds = recorder.elapsedMs / 1000;
  const scenarios = scenarioReports(options, elapsedSeconds);
  const verdicts = options.specs.flatMap((spec, i) =>
    spec.expect.map((e) => judge(scenarios[i]!.name, e, recorder.scenarios[i]!)),
  );
  return {
    tool: 'simple-edge loadtest',
    startedAt: options.startedAt.toISOString(),
    target: file.target,
    settings: {
      rate: file.rate,
      duration: file.duration,
      ramp: file.ramp,
      senders: file.senders,
      concurrency: file.concurrency,
      connections: file.connections,
      timeoutMs: file.timeoutMs,
    },
    elapsedSeconds,
    totals: totalsOf(scenarios, elapsedSeconds),
    scenarios,
    policies: policiesOf(scenarios, verdicts),
    verdicts,
    passed: verdicts.every((v) => v.passed),
    closedByTarget: options.closedByTarget ?? [],
    timeline: recorder.timeline.map((s) => ({
      second: s.second,
      sent: s.sent,
      completed: s.completed,
      p50Ms: s.latency.totalCount === 0 ? 0 : s.latency.getValueAtPercentile(50) / MICROS_PER_MS,
      p99Ms: s.latency.totalCount === 0 ? 0 : s.latency.getValueAtPercentile(99) / MICROS_PER_MS,
    })),
  };
}

function scenarioReports(options: ReportInputs, elapsedSeconds: number): ScenarioReport[] {
  return options.scenarios.map((scenario, i): ScenarioReport => {
    const record = options.recorder.scenarios[i]!;
    const outcomes: Record<string, number> = {};
    addInto(outcomes, record.outcomes);
    return {
      name: scenario.name,
      kind: scenario.kind,
      policy: scenario.policy,
      weight: options.specs[i]!.weight,
      sent: record.sent,
      completed: record.completed,
      skipped: record.skipped,
      crossed: record.crossed,
      throughputPerSecond: elapsedSeconds === 0 ? 0 : record.completed / elapsedSeconds,
      outcomes,
      latencyMs: latencyOf(record.latency),
    };
  });
}

function totalsOf(scenarios: readonly ScenarioReport[], elapsedSeconds: number): LoadReport['totals'] {
  const totals = { sent: 0, completed: 0, throughputPerSecond: 0, outcomes: {} as Record<string, number> };
  for (const s of scenarios) {
    totals.sent += s.sent;
    totals.completed += s.completed;
    addInto(totals.outcomes, s.outcomes);
  }
  totals.throughputPerSecond = elapsedSeconds === 0 ? 0 : totals.completed / elapsedSeconds;
  return totals;
}

/** Scenarios grouped by the policy they exercise, with the verdicts that name it. */
function policiesOf(scenarios: readonly ScenarioReport[], verdicts: readonly Verdict[]): PolicyReport[] {
  const names = [...new Set([...scenarios.map((s) => s.policy), ...verdicts.map((v) => v.policy)])];
  return names.map((policy) => {
    const outcomes: Record<string, number> = {};
    const members = scenarios.filter((s) => s.policy === policy);
    for (const s of members) addInto(outcomes, s.outcomes);
    return {
      policy,
      scenarios: members.map((s) => s.name),
      outcomes,
      verdicts: verdicts.filter((v) => v.policy === policy),
    };
  });
}

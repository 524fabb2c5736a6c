// O8: the Grafana dashboard and the alerting rules name only metrics, and labels, that the edge really
// exports. A real edge starts in-process with its admin listener; its /metrics is read as Prometheus
// reads it, and every PromQL expression of the kit is parsed and compared with it.
//
// No traffic is driven: prom-client registers every metric when the edge starts, so the scrape's
// `# TYPE` lines list all of them from the first scrape (a labelled counter shows its samples only
// after traffic, but its TYPE line at once). The first test checks exactly that against the metrics
// registry, so a metric registered later, on first use, would fail it rather than go unseen. The
// scrape itself goes through `promtool check metrics`, Prometheus's own parser and linter.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load-config.js';
import { createEdge, type Edge } from '../../src/edge.js';
import { EdgeMetrics } from '../../src/observability/edge-metrics.js';
import { ensureDebianPackages, findProgram } from '../support/apt.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  LOOPBACK,
  makeCertificates,
  PortAllocator,
  stopEdge,
} from '../support/edge-harness.js';
import { alertRules, dashboard, dashboardQueries, kitFiles } from './deploy-kit.js';
import { labelValuesNames, promqlNames, type PromqlNames } from './promql-names.js';

/** Labels Prometheus adds to every scraped series: the scrape job and the target. */
const TARGET_LABELS = ['job', 'instance'];
/** Series Prometheus makes itself for each target, beside what the target exports. */
const SCRAPE_SERIES = new Map([['up', 'gauge']]);
const SUFFIXED_TYPES: Readonly<Record<string, string>> = { histogram: 'le', summary: 'quantile' };

let workDir: string;
let edge: Edge;
let scrape: string;

beforeAll(async () => {
  await ensureDebianPackages(['prometheus']); // promtool, to lint the scrape
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-exported-metrics-'));
  const ports = new PortAllocator();
  const [internal, external, adminPort] = [ports.take(), ports.take(), ports.take()];
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'udp', port: internal }],
    external: [{ transport: 'tls', port: external }],
    adminPort,
  });
  // The state backend of the example configuration, so the store ping is the one production scrapes.
  const sqlite = yaml.replace('state: { backend: memory }', `state: { backend: sqlite, path: "${workDir}/state.db" }`);
  expect(sqlite).not.toBe(yaml);
  const parsed = parseConfigText(sqlite, 'exported-metrics');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  edge = createEdge({
    config: parsed.config,
    tls: edgeTlsOptions(makeCertificates(workDir)),
    services: { admin: true },
  });
  await edge.listen();
  const response = await fetch(`http://${LOOPBACK}:${adminPort}/metrics`);
  expect(response.status).toBe(200);
  scrape = await response.text();
}, 600_000);

afterAll(async () => {
  if (edge !== undefined) await stopEdge(edge);
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

/** Metric name → type, from the scrape's `# TYPE` lines. */
function scrapedTypes(): Map<string, string> {
  return new Map([...scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Metric name → its label names, as the edge's metrics registry declares them. */
function declaredLabels(): Map<string, Set<string>> {
  const registry = new EdgeMetrics().registry;
  return new Map(
    registry.getMetricsAsArray().map((metric) => {
      const names = (metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
      return [metric.name, new Set(names)];
    }),
  );
}

/** The exported metric a name in PromQL stands for (a histogram's series carry a suffix), or undefined. */
function exportedBase(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && SUFFIXED_TYPES[types.get(base) ?? ''] !== undefined ? base : undefined;
}

interface Usage {
  readonly where: string;
  readonly names: PromqlNames;
}

function kitUsages(): Usage[] {
  const board = dashboard();
  return [
    ...alertRules().map((rule) => ({ where: `alerts.yml ${rule.alert}`, names: promqlNames(rule.expr) })),
    ...dashboardQueries(board).map((q) => ({ where: `dashboard "${q.panel}"`, names: promqlNames(q.expr) })),
    ...board.templating.list
      .filter((variable) => typeof variable.query === 'object')
      .map((variable) => {
        const query = (variable.query as { query: string }).query;
        const names = labelValuesNames(query);
        return {
          where: `dashboard variable ${variable.name}`,
          names: { ...names, groupingLabels: new Set([...names.groupingLabels, names.label]) },
        };
      }),
  ];
}

/** Problems with one expression: metrics the edge does not export, labels those metrics do not carry. */
function problemsOf(usage: Usage, types: ReadonlyMap<string, string>, labels: ReadonlyMap<string, Set<string>>) {
  const problems: string[] = [];
  const labelsOf = (name: string): Set<string> => {
    const base = exportedBase(name, types);
    if (base === undefined) return new Set();
    const suffixLabel = name === `${base}_bucket` ? SUFFIXED_TYPES[types.get(base)!] : undefined;
    return new Set([
      ...(labels.get(base) ?? []),
      ...TARGET_LABELS,
      ...(suffixLabel === undefined ? [] : [suffixLabel]),
    ]);
  };
  for (const name of usage.names.metrics) {
    if (exportedBase(name, types) === undefined) problems.push(`${usage.where}: ${name} is not exported`);
  }
  for (const [name, matched] of usage.names.matchedLabels) {
    for (const label of matched)
      if (!labelsOf(name).has(label)) problems.push(`${usage.where}: ${name} has no label ${label}`);
  }
  const anyMetricLabels = new Set([...usage.names.metrics].flatMap((name) => [...labelsOf(name)]));
  for (const label of usage.names.groupingLabels)
    if (!anyMetricLabels.has(label)) problems.push(`${usage.where}: groups by ${label}, which none of its metrics has`);
  return problems;
}

describe('O8 the deploy kit names what the edge exports', () => {
  it('O8 every metric is in the first scrape of a fresh edge, so no traffic is needed to compare', () => {
    const scraped = [...scrapedTypes().keys()].sort();
    const registered = [...declaredLabels().keys()].sort();
    expect(scraped).toEqual(registered);
    expect(scraped.length).toBeGreaterThan(40);
  });

  it('O8 every metric and label in the alerting rules and the Grafana dashboard is one the edge exports', () => {
    const types = new Map([...scrapedTypes(), ...SCRAPE_SERIES]);
    const labels = new Map([
      ...declaredLabels(),
      ...[...SCRAPE_SERIES.keys()].map((n) => [n, new Set<string>()] as const),
    ]);
    const usages = kitUsages();
    expect(usages.length).toBeGreaterThan(40);
    expect(usages.flatMap((usage) => problemsOf(usage, types, labels))).toEqual([]);
  });

  it('O8 the dashboard shows each figure an operator watches', () => {
    const used = new Set(dashboardQueries(dashboard()).flatMap((q) => [...promqlNames(q.expr).metrics]));
    expect([...used]).toEqual(
      expect.arrayContaining([
        'simple_edge_requests_total', // request rates
        'simple_edge_responses_total', // by peer and status
        'simple_edge_relay_latency_seconds_bucket', // latency percentiles
        'simple_edge_policy_decisions_total', // decisions by rule
        'simple_edge_overload_shed_total', // shed load
        'simple_edge_peer_connections', // connections per peer
        'simple_edge_tls_handshake_failures_total', // TLS failures by reason
        'simple_edge_certificate_expiry_seconds', // certificate expiry
        'simple_edge_store_latency_seconds', // store latency
        'simple_edge_event_loop_utilisation_ratio', // event-loop utilisation
      ]),
    );
  });

  it('O8 a healthy edge reports a store latency above 0, which SimpleEdgeStoreUnavailable relies on', () => {
    // A failed ping leaves the gauge at 0 (or absent): the alert reads either as the store not answering.
    const sample = /^simple_edge_store_latency_seconds (\S+)$/m.exec(scrape);
    expect(Number(sample?.[1])).toBeGreaterThan(0);
  });

  it("O8 promtool check metrics finds nothing to say about the edge's own metrics", () => {
    const promtool = findProgram(['promtool']);
    if (promtool === undefined) throw new Error('promtool not found: install the Debian package prometheus');
    let findings: string;
    try {
      findings = execFileSync(promtool, ['check', 'metrics'], { input: scrape, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      findings = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
    }
    // prom-client's own process gauges end in _total (its naming, not ours); anything else is the edge's.
    const ours = findings
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter(
        (line) =>
          !/^simple_edge_nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(line),
      );
    expect(ours).toEqual([]);
  });

  it('O8 the Prometheus target labels do not collide with labels the edge exports', () => {
    const config = parse(readFileSync(kitFiles.prometheus, 'utf8')) as {
      scrape_configs: Array<{ static_configs?: Array<{ labels?: Record<string, string> }> }>;
    };
    const targetLabels = config.scrape_configs.flatMap((job) =>
      (job.static_configs ?? []).flatMap((target) => Object.keys(target.labels ?? {})),
    );
    const exported = new Set([...declaredLabels().values()].flatMap((names) => [...names]));
    expect(targetLabels.filter((label) => exported.has(label))).toEqual([]);
  });
});

describe('O8 reading names out of PromQL', () => {
  it('O8 finds metrics, matched and grouping labels, and skips functions, strings, ranges and variables', () => {
    const names = promqlNames(
      'histogram_quantile(0.99, sum by (le, direction) (rate(a_seconds_bucket{instance=~"$instance", x="}{"}[$__rate_interval])))' +
        ' / on (job) group_left b_total offset 1h > 2 * c',
    );
    expect([...names.metrics].sort()).toEqual(['a_seconds_bucket', 'b_total', 'c']);
    expect([...names.matchedLabels.get('a_seconds_bucket')!].sort()).toEqual(['instance', 'x']);
    expect([...names.groupingLabels].sort()).toEqual(['direction', 'job', 'le']);
  });

  it('O8 refuses a function it does not know, so a misspelt one cannot pass as a metric', () => {
    expect(() => promqlNames('rtae(simple_edge_requests_total[5m])')).toThrow(/unknown PromQL function rtae/);
  });
});

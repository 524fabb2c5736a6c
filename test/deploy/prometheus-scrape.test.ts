// O8: a real Prometheus (Debian's `prometheus`) scrapes a real edge with the kit's scrape job and
// evaluates the kit's alerting rules on what it scraped. Its configuration is deploy/prometheus/
// prometheus.yml with the target moved to the test edge's admin listener, one-second intervals, and no
// Alertmanager; everything else — job name, path, timeout, rule file — is the kit's.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load-config.js';
import { createEdge, type Edge } from '../../src/edge.js';
import { ensureDebianPackages, findProgram } from '../support/apt.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  LOOPBACK,
  makeCertificates,
  PortAllocator,
  stopEdge,
  waitForPort,
} from '../support/edge-harness.js';
import { alertRules, kitFiles } from './deploy-kit.js';

interface ScrapeJob {
  job_name: string;
  scrape_interval?: string;
  static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
}

let workDir: string;
let edge: Edge;
let prometheus: ChildProcess | undefined;
let prometheusOutput = '';
let api: string;

/** The kit's prometheus.yml, pointed at `target`, scraping and evaluating every second. */
function testConfiguration(target: string): string {
  const kit = parse(readFileSync(kitFiles.prometheus, 'utf8')) as {
    global: Record<string, string>;
    rule_files: string[];
    alerting?: unknown;
    scrape_configs: ScrapeJob[];
  };
  const job = kit.scrape_configs.find((j) => j.job_name === 'simple-edge');
  if (job === undefined) throw new Error('prometheus.yml has no simple-edge job');
  job.static_configs = [{ ...job.static_configs[0], targets: [target] }];
  const { alerting: _alerting, ...rest } = kit;
  return stringify({
    ...rest,
    global: { ...kit.global, scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: kit.rule_files.map((file) => path.resolve(path.dirname(kitFiles.prometheus), file)),
    scrape_configs: [{ ...job, scrape_timeout: '1s' }],
  });
}

async function query<T>(pathname: string): Promise<T> {
  const response = await fetch(`${api}${pathname}`);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${pathname}: ${body.error ?? body.status}`);
  return body.data;
}

/** Polls `check` until it returns a value, or throws with Prometheus's log after `timeoutMs`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms:\n${prometheusOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  await ensureDebianPackages(['prometheus']);
  const binary = findProgram(['prometheus']);
  if (binary === undefined) throw new Error('prometheus not found: install the Debian package prometheus');
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-prometheus-'));
  const ports = new PortAllocator();
  const [internal, external, adminPort, webPort] = [ports.take(), ports.take(), ports.take(), ports.take()];
  const parsed = parseConfigText(
    edgeConfigYaml({
      internal: [{ transport: 'udp', port: internal }],
      external: [{ transport: 'tls', port: external }],
      adminPort,
    }),
    'prometheus-scrape',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  edge = createEdge({
    config: parsed.config,
    tls: edgeTlsOptions(makeCertificates(workDir)),
    services: { admin: true },
  });
  await edge.listen();

  const configFile = path.join(workDir, 'prometheus.yml');
  writeFileSync(configFile, testConfiguration(`${LOOPBACK}:${adminPort}`));
  prometheus = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=${LOOPBACK}:${webPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise((resolve) => prometheus!.once('close', resolve));
  prometheus.stdout?.on('data', (chunk: Buffer) => (prometheusOutput += chunk.toString()));
  prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusOutput += chunk.toString()));
  await waitForPort(webPort, 'tcp', { timeoutMs: 30_000, what: 'prometheus', exited });
  api = `http://${LOOPBACK}:${webPort}`;
}, 600_000);

afterAll(async () => {
  if (prometheus?.pid !== undefined && prometheus.exitCode === null) {
    const closed = new Promise((resolve) => prometheus!.once('close', resolve));
    prometheus.kill('SIGTERM');
    await closed;
  }
  if (edge !== undefined) await stopEdge(edge);
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('O8 Prometheus scraping a running edge with the kit', () => {
  it('O8 the simple-edge job scrapes the admin listener: the target is up and the edge metrics arrive', async () => {
    const up = await eventually('a successful scrape', async () => {
      const result = await query<{ result: Array<{ value: [number, string] }> }>(
        `/api/v1/query?query=${encodeURIComponent('up{job="simple-edge"}')}`,
      );
      return result.result[0]?.value[1] === '1' ? result.result : undefined;
    });
    expect(up).toHaveLength(1);
    const series = await query<string[]>(`/api/v1/label/__name__/values`);
    expect(series).toEqual(
      expect.arrayContaining([
        'simple_edge_certificate_expiry_seconds',
        'simple_edge_store_latency_seconds',
        'simple_edge_tls_handshake_failures_total',
      ]),
    );
  }, 60_000);

  it('O8 every alerting rule evaluates without error on the scraped series, and a healthy edge fires none', async () => {
    type Rule = { name: string; health: string; lastError?: string; state: string; lastEvaluation: string };
    const rules = await eventually('an evaluation of every rule', async () => {
      const data = await query<{ groups: Array<{ rules: Rule[] }> }>('/api/v1/rules');
      const all = data.groups.flatMap((group) => group.rules);
      return all.length > 0 && all.every((rule) => !rule.lastEvaluation.startsWith('0001-')) ? all : undefined;
    });
    expect(rules).toHaveLength(alertRules().length);
    expect(rules.filter((rule) => rule.health !== 'ok').map((r) => `${r.name}: ${r.lastError ?? r.health}`)).toEqual(
      [],
    );
    expect(rules.filter((rule) => rule.state !== 'inactive').map((rule) => rule.name)).toEqual([]);
  }, 60_000);
});

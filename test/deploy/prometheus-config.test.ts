// O8: the Prometheus half of the deploy kit, checked by promtool (Debian's `prometheus` package ships
// it; no Prometheus server is started): the scrape configuration with its rule file, the alerting
// rules, and the rules' own unit tests (deploy/prometheus/alerts.test.yml), which feed each alert the
// series the edge exports and state what fires. Then what promtool cannot know: that every alert
// says what is wrong and links its section of the runbook, deploy/README.md.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackages, findProgram } from '../support/apt.js';
import { alertRules, kitFiles } from './deploy-kit.js';
import { promqlNames } from './promql-names.js';

const run = promisify(execFile);
/** Where the runbook links point until the operator publishes the kit elsewhere (deploy/README.md). */
const RUNBOOK = 'https://simple-edge.invalid/deploy/README.md';

let promtool: string;

beforeAll(async () => {
  await ensureDebianPackages(['prometheus']);
  const found = findProgram(['promtool']);
  if (found === undefined) throw new Error('promtool not found: install the Debian package prometheus');
  promtool = found;
}, 600_000);

async function promtoolRun(args: string[]): Promise<{ code: number; output: string }> {
  const cwd = path.dirname(kitFiles.prometheus);
  try {
    const { stdout, stderr } = await run(promtool, args, { cwd });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.*)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

describe('O8 Prometheus configuration and alerting rules', () => {
  it('O8 promtool check config accepts the scrape configuration and the rule file it loads', async () => {
    const result = await promtoolRun(['check', 'config', path.basename(kitFiles.prometheus)]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('O8 promtool check rules accepts every alerting rule', async () => {
    const result = await promtoolRun(['check', 'rules', path.basename(kitFiles.alerts)]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${alertRules().length} rules found`);
  });

  it('O8 promtool test rules: each alert fires on the series that mean trouble, with its text, and not otherwise', async () => {
    const result = await promtoolRun(['test', 'rules', path.basename(kitFiles.alertTests)]);
    expect(result.code, result.output).toBe(0);
    const tested = new Set(
      [...readFileSync(kitFiles.alertTests, 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]),
    );
    expect(new Set(alertRules().map((rule) => rule.alert))).toEqual(tested);
  });

  it('O8 every alert has a severity, a summary, a description and a runbook link to its section of deploy/README.md', () => {
    const anchors = headingAnchors(readFileSync(kitFiles.runbook, 'utf8'));
    const problems = alertRules().flatMap((rule) => {
      const found: string[] = [];
      if (!['warning', 'critical'].includes(rule.labels?.severity ?? '')) found.push(`${rule.alert}: severity`);
      if ((rule.annotations?.summary ?? '') === '') found.push(`${rule.alert}: summary`);
      if ((rule.annotations?.description ?? '') === '') found.push(`${rule.alert}: description`);
      const runbook = rule.annotations?.runbook_url ?? '';
      if (runbook !== `${RUNBOOK}#${rule.alert.toLowerCase()}`) found.push(`${rule.alert}: runbook_url ${runbook}`);
      if (!anchors.has(rule.alert.toLowerCase()))
        found.push(`${rule.alert}: deploy/README.md has no ### ${rule.alert}`);
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('O8 the alerts watch each failure the runbook covers', () => {
    const watched = (metric: string) =>
      alertRules()
        .filter((rule) => promqlNames(rule.expr).metrics.has(metric))
        .map((rule) => rule.alert);
    expect(watched('up')).toContain('SimpleEdgeDown');
    expect(watched('simple_edge_certificate_expiry_seconds')).toContain('SimpleEdgeCertificateExpiresSoon');
    expect(watched('simple_edge_tls_handshake_failures_total')).toContain('SimpleEdgeTlsHandshakeFailuresRising');
    expect(watched('simple_edge_overload_shed_total')).toContain('SimpleEdgeSheddingLoad');
    expect(watched('simple_edge_responses_total')).toContain('SimpleEdgePeerFailing');
    expect(watched('simple_edge_answers_total')).toEqual(
      expect.arrayContaining(['SimpleEdgeAnswering5xx', 'SimpleEdgePeerUnreachable', 'SimpleEdgeStoreUnavailable']),
    );
    expect(watched('simple_edge_store_latency_seconds')).toContain('SimpleEdgeStoreSlow');
  });
});

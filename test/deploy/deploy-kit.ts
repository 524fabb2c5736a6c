// The files of the deploy kit (deploy/) as the tests read them: the systemd unit as directives, the
// example configuration as the edge validates it, the alerting rules and the dashboard as data.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load-config.js';
import type { EdgeConfig } from '../../src/config/config-schema.js';

export const repositoryRoot = path.resolve(import.meta.dirname, '../..');
export const deployDirectory = path.join(repositoryRoot, 'deploy');

export const kitFiles = {
  unit: path.join(deployDirectory, 'systemd/simple-edge.service'),
  sysusers: path.join(deployDirectory, 'systemd/simple-edge.sysusers.conf'),
  exampleConfig: path.join(deployDirectory, 'config/edge.yaml'),
  prometheus: path.join(deployDirectory, 'prometheus/prometheus.yml'),
  alerts: path.join(deployDirectory, 'prometheus/alerts.yml'),
  alertTests: path.join(deployDirectory, 'prometheus/alerts.test.yml'),
  dashboard: path.join(deployDirectory, 'grafana/simple-edge.json'),
  runbook: path.join(deployDirectory, 'README.md'),
} as const;

/** A unit file's directives, by section then key; a key given several times keeps every value in order. */
export type UnitDirectives = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

export function readUnit(file: string): UnitDirectives {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const equals = line.indexOf('=');
    if (current === undefined || equals === -1) throw new Error(`${file}: not a directive: ${line}`);
    const key = line.slice(0, equals).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(equals + 1).trim()]);
  }
  return sections;
}

/** The single value of a directive; throws when it is absent or given more than once. */
export function directive(unit: UnitDirectives, section: string, key: string): string {
  const values = unit.get(section)?.get(key) ?? [];
  if (values.length !== 1) throw new Error(`[${section}] ${key}= is given ${values.length} times, expected once`);
  return values[0]!;
}

/** The example /etc/simple-edge/edge.yaml, validated exactly as `simple-edge check-config` does. */
export function exampleConfig(): EdgeConfig {
  const result = parseConfigText(readFileSync(kitFiles.exampleConfig, 'utf8'), kitFiles.exampleConfig);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.key}: ${p.problem}`).join('\n'));
  return result.config;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export function alertRules(): AlertRule[] {
  const document = parse(readFileSync(kitFiles.alerts, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return document.groups.flatMap((group) => group.rules);
}

interface DashboardPanel {
  readonly title: string;
  readonly targets?: ReadonlyArray<{ readonly expr: string }>;
  readonly panels?: readonly DashboardPanel[];
}

export interface Dashboard {
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
  readonly templating: { readonly list: ReadonlyArray<{ readonly name: string; readonly query?: unknown }> };
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(kitFiles.dashboard, 'utf8')) as Dashboard;
}

/** Every panel's queries, rows' nested panels included, with the panel's title. */
export function dashboardQueries(board: Dashboard): Array<{ readonly panel: string; readonly expr: string }> {
  const walk = (panels: readonly DashboardPanel[]): Array<{ panel: string; expr: string }> =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
      ...walk(panel.panels ?? []),
    ]);
  return walk(board.panels);
}

// The systemd unit's sandbox rebuilt where systemd is not PID 1 (unit-sandbox.test.ts), from the
// unit's own directives:
// - User=, AmbientCapabilities=, CapabilityBoundingSet=, NoNewPrivileges=: setpriv (util-linux) runs the
//   command as an unprivileged user with only CAP_NET_BIND_SERVICE and no new privileges;
// - SystemCallFilter=, SystemCallErrorNumber=, RestrictAddressFamilies=: seccomp-exec.py loads a seccomp
//   filter of the same system calls (groups expanded by `systemd-analyze syscall-filter`) and address
//   families, then executes the command.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { findProgram } from '../support/apt.js';
import { directive, type UnitDirectives } from './deploy-kit.js';

const run = promisify(execFile);

/** The unprivileged account the sandbox runs as (nobody), standing in for the unit's simple-edge. */
export const SERVICE_ID = 65534;

/**
 * System calls outside @system-service the edge makes, and carries on without when refused: V8 probes
 * for memory protection keys with pkey_alloc (@pkey). Under systemd's default action (SIGSYS) it would
 * die at start: the unit's SystemCallErrorNumber=EPERM is what lets it run.
 */
export const OUTSIDE_THE_FILTER = ['pkey_alloc'];

/** Debian's Python, where python3-seccomp installs its module (not whatever python3 PATH finds first). */
const PYTHON = '/usr/bin/python3';
const SECCOMP_EXEC = path.join(import.meta.dirname, 'seccomp-exec.py');

/** setpriv's spelling of User=, AmbientCapabilities=, CapabilityBoundingSet= and NoNewPrivileges=. */
const UNIT_IDENTITY = [
  `--reuid=${SERVICE_ID}`,
  `--regid=${SERVICE_ID}`,
  '--clear-groups',
  '--inh-caps=-all,+net_bind_service',
  '--ambient-caps=-all,+net_bind_service',
  '--bounding-set=-all,+net_bind_service',
  '--no-new-privs',
];

function requireProgram(name: string, debianPackage: string): string {
  const found = findProgram([name]);
  if (found === undefined) throw new Error(`${name} not found: install the Debian package ${debianPackage}`);
  return found;
}

/** System-call group → its members (calls and nested groups), as this systemd defines them. */
async function syscallGroups(): Promise<Map<string, string[]>> {
  const analyse = requireProgram('systemd-analyze', 'systemd');
  const { stdout } = await run(analyse, ['syscall-filter'], { maxBuffer: 4 * 1024 * 1024 });
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@')) groups.set(line.trim(), (current = []));
    else if (current !== undefined && line.trim() !== '' && !line.trim().startsWith('#')) current.push(line.trim());
  }
  return groups;
}

/** The calls SystemCallFilter= leaves: the union of its allow lists minus its `~` deny lists. */
async function unitSystemCalls(unit: UnitDirectives): Promise<string[]> {
  const groups = await syscallGroups();
  const expand = (entry: string): string[] =>
    entry.startsWith('@') ? (groups.get(entry) ?? []).flatMap(expand) : [entry];
  const lines = unit.get('Service')?.get('SystemCallFilter') ?? [];
  const entries = (denied: boolean) =>
    lines
      .filter((line) => line.startsWith('~') === denied)
      .flatMap((line) => line.replace(/^~/, '').split(/\s+/).flatMap(expand));
  const allowed = new Set(entries(false));
  for (const call of entries(true)) allowed.delete(call);
  return [...allowed].sort();
}

/**
 * The command prefix that runs a program inside the unit's sandbox; writes the system-call list into
 * `workDir`. Stricter than the unit: a call outside the list kills the process rather than failing
 * with EPERM, but for OUTSIDE_THE_FILTER. So a new call outside the filter is noticed.
 */
export async function unitSandboxCommand(unit: UnitDirectives, workDir: string): Promise<string[]> {
  if (directive(unit, 'Service', 'SystemCallErrorNumber') !== 'EPERM')
    throw new Error('the unit no longer refuses calls outside its filter with EPERM: OUTSIDE_THE_FILTER would kill it');
  const systemCalls = path.join(workDir, 'system-calls.txt');
  writeFileSync(systemCalls, (await unitSystemCalls(unit)).join('\n'), { mode: 0o644 });
  const families = directive(unit, 'Service', 'RestrictAddressFamilies').split(/\s+/).join(',');
  return [
    requireProgram('setpriv', 'util-linux'),
    ...UNIT_IDENTITY,
    '--',
    PYTHON,
    SECCOMP_EXEC,
    `--system-calls=${systemCalls}`,
    '--refuse-with=kill',
    `--eperm=${OUTSIDE_THE_FILTER.join(',')}`,
    `--address-families=${families}`,
    '--',
  ];
}

export interface RunOutcome {
  readonly code: number;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs this Node with `args` under no-new-privileges and seccomp-exec.py with `filter` options. */
export async function nodeUnderFilter(filter: readonly string[], args: readonly string[]): Promise<RunOutcome> {
  const command = ['--no-new-privs', '--', PYTHON, SECCOMP_EXEC, ...filter, '--', process.execPath, ...args];
  try {
    const { stdout, stderr } = await run(requireProgram('setpriv', 'util-linux'), command);
    return { code: 0, signal: null, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; signal?: string | null; stdout?: string; stderr?: string };
    const { stdout = '', stderr = '' } = failed;
    return { code: failed.code ?? -1, signal: failed.signal ?? null, stdout, stderr };
  }
}

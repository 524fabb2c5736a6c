// O8: the systemd unit of the deploy kit, checked by systemd's own analyser (Debian's `systemd`
// package) and against what the edge needs at run time: the paths of the example configuration, the
// signals src/cli/serve.ts handles, and the drain it runs on SIGTERM.

import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHUTDOWN_GRACE_MS } from '../../src/cli/serve.js';
import { ensureDebianPackages, findProgram } from '../support/apt.js';
import { directive, exampleConfig, kitFiles, readUnit } from './deploy-kit.js';

const run = promisify(execFile);
const unit = readUnit(kitFiles.unit);
const service = (key: string): string => directive(unit, 'Service', key);
/** The node the unit starts; verify needs it to be an executable file. */
const UNIT_NODE = '/usr/bin/node';

let workDir: string;
let systemdAnalyze: string;

beforeAll(async () => {
  await ensureDebianPackages(['systemd']);
  const found = findProgram(['systemd-analyze']);
  if (found === undefined) throw new Error('systemd-analyze not found: install the Debian package systemd');
  systemdAnalyze = found;
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-unit-'));
}, 600_000);

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

/**
 * The unit as `systemd-analyze` may read it here. verify refuses an Exec line whose program is not an
 * executable file; the unit names /usr/bin/node (Debian's and NodeSource's path), so on a machine
 * whose Node lives elsewhere the copy names this Node instead. Nothing else changes: the script path
 * after it is an argument, which verify does not open.
 */
function unitForAnalysis(): string {
  const copy = path.join(workDir, 'simple-edge.service');
  if (existsSync(UNIT_NODE)) copyFileSync(kitFiles.unit, copy);
  else writeFileSync(copy, readFileSync(kitFiles.unit, 'utf8').replaceAll(UNIT_NODE, process.execPath));
  return copy;
}

async function analyse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(systemdAnalyze, args, { env: { ...process.env, SYSTEMD_COLORS: '0' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('O8 systemd unit', () => {
  it('O8 passes systemd-analyze verify without a single warning', async () => {
    // verify exits 0 even for an unknown key or an unparsable value (it only warns), so silence is the test.
    const result = await analyse(['verify', unitForAnalysis()]);
    expect({ code: result.code, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({ code: 0, output: '' });
  });

  it('O8 rates an exposure level of 2.0 or less (OK) in systemd-analyze security', async () => {
    const result = await analyse(['security', '--offline=true', unitForAnalysis()]);
    const level = /Overall exposure level for simple-edge\.service: ([\d.]+)/.exec(result.stdout);
    expect(level, `${result.stdout}${result.stderr}`).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(2.0);
  });

  it('O8 systemd-sysusers creates the system user and group from the sysusers.d file the kit ships', async () => {
    // In a scratch root, so the test machine's own /etc/passwd is left alone.
    const root = path.join(workDir, 'sysusers-root');
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    const sysusers = findProgram(['systemd-sysusers']);
    if (sysusers === undefined) throw new Error('systemd-sysusers not found: install the Debian package systemd');
    await run(sysusers, [`--root=${root}`, kitFiles.sysusers]);
    const account = readFileSync(path.join(root, 'etc/passwd'), 'utf8')
      .split('\n')
      .find((line) => line.startsWith(`${service('User')}:`))
      ?.split(':');
    expect(account?.[2]).toMatch(/^\d+$/);
    expect(Number(account?.[2])).toBeLessThan(1000); // a system user
    expect(account?.[6]).toBe('/usr/sbin/nologin');
    expect(readFileSync(path.join(root, 'etc/group'), 'utf8')).toMatch(new RegExp(`^${service('Group')}:`, 'm'));
  });

  it('O8 runs as its own system user from the sysusers.d file it ships, with only CAP_NET_BIND_SERVICE', () => {
    const sysusers = readFileSync(kitFiles.sysusers, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('u '))
      .map((line) => line.split(/\s+/)[1]);
    expect(sysusers).toEqual([service('User')]);
    expect(service('User')).not.toBe('root');
    expect(service('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(service('CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(service('NoNewPrivileges')).toBe('yes');
  });

  it('O8 confines the file system, the address families and the system calls, and leaves the V8 JIT its memory', () => {
    expect(service('ProtectSystem')).toBe('strict');
    expect(service('ProtectHome')).toBe('yes');
    expect(service('PrivateTmp')).toBe('yes');
    expect(service('RestrictAddressFamilies').split(/\s+/).sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_UNIX']);
    expect(unit.get('Service')?.get('SystemCallFilter')?.[0]).toBe('@system-service');
    // V8 writes machine code and then executes it: MemoryDenyWriteExecute=yes stops Node at start.
    expect(unit.get('Service')?.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('O8 the example configuration keeps state, audit log and certificates in the directories the unit provides', () => {
    const config = exampleConfig();
    const state = `/var/lib/${service('StateDirectory')}`;
    const logs = `/var/log/${service('LogsDirectory')}`;
    const configuration = `/etc/${service('ConfigurationDirectory')}`;
    const writable = service('ReadWritePaths').split(/\s+/);
    expect(writable).toEqual(expect.arrayContaining([state, logs]));
    const within = (file: string | null, directory: string) =>
      expect(path.relative(directory, file ?? '')).not.toMatch(/^\.\.|^\//);
    within(config.state.path, state);
    within(config.audit.file, logs);
    within(config.audit.archive.directory, state);
    for (const certificate of config.tls.certificates) {
      within(certificate.cert, configuration);
      within(certificate.key, configuration);
    }
    within(config.tls.ca, configuration);
    expect(service('ExecStart')).toContain(`--config ${configuration}/edge.yaml`);
    expect(service('WorkingDirectory')).toBe(state);
  });

  it('O8 reloads with SIGHUP (O2) and gives the SIGTERM drain and the live transactions time to finish (O5)', () => {
    expect(service('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(service('KillSignal')).toBe('SIGTERM');
    expect(service('Restart')).toBe('on-failure');
    const stopSeconds = Number(/^(\d+)s$/.exec(service('TimeoutStopSec'))?.[1]);
    const needed = (exampleConfig().limits.shutdownDrainMs + SHUTDOWN_GRACE_MS) / 1000;
    expect(stopSeconds).toBeGreaterThanOrEqual(needed);
    // Not so long that a hung stop holds a restart for minutes.
    expect(stopSeconds).toBeLessThanOrEqual(needed + 30);
  });
});

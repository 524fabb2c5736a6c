// O8: the edge inside the systemd unit's sandbox, on a machine without systemd as PID 1 (CI,
// containers): its user with only CAP_NET_BIND_SERVICE and no new privileges, its system-call filter
// and address families, rebuilt from the unit's directives (unit-sandbox.ts). The configuration is
// the kit's example with its addresses on loopback, ports below 1024 and its directories in a temp
// dir, owned and moded as deploy/README.md installs them. The edge must bind the privileged ports,
// keep its state in the one writable directory, answer, reload on SIGHUP (ExecReload=) and exit 0 on
// SIGTERM (KillSignal=) within TimeoutStopSec=. The mount namespace (ProtectSystem=, ProtectHome=,
// PrivateTmp=) needs systemd itself: systemd-unit.test.ts checks it; running as an unprivileged user
// already keeps the edge from writing outside its own directories.
// Last, why MemoryDenyWriteExecute= stays unset: Node under that rule, rebuilt the same way.

import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ensureDebianPackages } from '../support/apt.js';
import {
  LOCAL_DOMAIN,
  LOOPBACK,
  makeCertificates,
  PortAllocator,
  sipRequest,
  statusOf,
  udpExchange,
} from '../support/edge-harness.js';
import { EdgeProcess, ensureBuilt } from '../support/edge-process.js';
import { directive, kitFiles, readUnit } from './deploy-kit.js';
import { nodeUnderFilter, SERVICE_ID, unitSandboxCommand } from './unit-sandbox.js';

/** CAP_NET_BIND_SERVICE is capability 10: the only bit the unit leaves, as /proc shows capability sets. */
const NET_BIND_SERVICE_ONLY = (1n << 10n).toString(16).padStart(16, '0');
/** Ports below 1024, where only root or CAP_NET_BIND_SERVICE may bind. */
const PRIVILEGED_PORTS = { first: 600, last: 1000 } as const;
const unit = readUnit(kitFiles.unit);
let workDir: string;
let sandbox: string[];
let stateDir: string;
let configFile: string;
let ports: { sip: number; tls: number; admin: number; client: number };
let edge: EdgeProcess | undefined;

/** The example edge.yaml with loopback addresses, free ports and its directories under `workDir`. */
function exampleOnLoopback(certsDir: string, logsDir: string): string {
  const example = parse(readFileSync(kitFiles.exampleConfig, 'utf8')) as Record<string, unknown>;
  const certificates = makeCertificates(certsDir);
  const own = certificates.byDomain[LOCAL_DOMAIN]!;
  const audit = example.audit as { archive: Record<string, unknown> };
  return stringify({
    ...example,
    domains: [LOCAL_DOMAIN],
    listen: {
      internal: [
        { transport: 'udp', address: LOOPBACK, port: ports.sip },
        { transport: 'tcp', address: LOOPBACK, port: ports.sip },
      ],
      external: [{ transport: 'tls', address: LOOPBACK, port: ports.tls }],
    },
    tls: { ...(example.tls as object), certificates: [{ domain: LOCAL_DOMAIN, ...own }], ca: certificates.ca },
    state: { ...(example.state as object), path: path.join(stateDir, 'state.db') },
    admin: { ...(example.admin as object), listen: `${LOOPBACK}:${ports.admin}` },
    audit: { ...audit, file: path.join(logsDir, 'audit'), archive: { ...audit.archive, directory: stateDir } },
  });
}

/** As deploy/README.md installs them: configuration root:simple-edge 0750/0640, state and logs the service's. */
function installLikeTheReadme(files: { readable: string[]; readableDirs: string[]; writableDirs: string[] }): void {
  for (const dir of files.readableDirs) {
    chownSync(dir, 0, SERVICE_ID);
    chmodSync(dir, 0o750);
  }
  for (const file of files.readable) {
    chownSync(file, 0, SERVICE_ID);
    chmodSync(file, 0o640);
  }
  for (const dir of files.writableDirs) {
    chownSync(dir, SERVICE_ID, SERVICE_ID);
    chmodSync(dir, 0o750);
  }
}

beforeAll(async () => {
  await ensureDebianPackages(['systemd', 'python3-seccomp']);
  await ensureBuilt();
  const privileged = new PortAllocator(PRIVILEGED_PORTS);
  const unprivileged = new PortAllocator();
  ports = { sip: privileged.take(), tls: privileged.take(), admin: unprivileged.take(), client: unprivileged.take() };
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-unit-sandbox-'));
  chmodSync(workDir, 0o755); // the service user must reach the directories inside
  const etc = path.join(workDir, 'etc');
  const certsDir = path.join(etc, 'certs');
  stateDir = path.join(workDir, 'state');
  const logsDir = path.join(workDir, 'log');
  for (const dir of [certsDir, stateDir, logsDir]) mkdirSync(dir, { recursive: true });
  configFile = path.join(etc, 'edge.yaml');
  writeFileSync(configFile, exampleOnLoopback(certsDir, logsDir));
  sandbox = await unitSandboxCommand(unit, workDir);
  installLikeTheReadme({
    readableDirs: [etc, certsDir],
    readable: [configFile, ...readdirSync(certsDir).map((file) => path.join(certsDir, file))],
    writableDirs: [stateDir, logsDir],
  });
}, 600_000);

afterAll(async () => {
  await edge?.kill('SIGKILL');
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

function statusField(pid: number, name: string): string {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim() ?? '';
}

async function outputShows(pattern: RegExp, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(edge!.output)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('O8 the edge inside the unit sandbox (its user, CAP_NET_BIND_SERVICE only, no new privileges, its system calls and address families)', () => {
  it('O8 binds ports below 1024, keeps its state in the state directory and answers', async () => {
    edge = await EdgeProcess.start({
      cwd: stateDir, // WorkingDirectory=
      configFile,
      listeners: 3,
      wrapper: sandbox,
      timeoutMs: 30_000,
    });
    const pid = edge.pid!;
    expect(statusField(pid, 'Uid').split(/\s+/)).toEqual(Array(4).fill(String(SERVICE_ID)));
    expect(statusField(pid, 'CapEff')).toBe(NET_BIND_SERVICE_ONLY);
    expect(statusField(pid, 'CapBnd')).toBe(NET_BIND_SERVICE_ONLY);
    expect(statusField(pid, 'NoNewPrivs')).toBe('1');
    expect(statusField(pid, 'Seccomp')).toBe('2'); // a filter, the unit's system calls

    const ready = await fetch(`http://${LOOPBACK}:${ports.admin}/readyz`);
    expect(ready.status, edge.output).toBe(200);
    const answer = await udpExchange({
      port: ports.sip,
      localPort: ports.client,
      bytes: sipRequest({
        requestUri: `sip:${LOCAL_DOMAIN}`,
        transport: 'UDP',
        localPort: ports.client,
        callId: 'unit-sandbox-1',
      }),
    });
    expect(statusOf(answer), edge.output).toBe(200);
    expect(statSync(path.join(stateDir, 'state.db')).uid).toBe(SERVICE_ID);
  }, 60_000);

  it('O8 reloads its configuration on SIGHUP, the signal ExecReload= sends, and keeps serving', async () => {
    expect(directive(unit, 'Service', 'ExecReload')).toContain('-HUP $MAINPID');
    process.kill(edge!.pid!, 'SIGHUP');
    expect(await outputShows(/SIGHUP: .*edge\.yaml reloaded/, 10_000), edge!.output).toBe(true);
    expect((await fetch(`http://${LOOPBACK}:${ports.admin}/readyz`)).status).toBe(200);
  }, 30_000);

  it('O8 drains and exits 0 on SIGTERM, the KillSignal=, before TimeoutStopSec= would send SIGKILL', async () => {
    expect(directive(unit, 'Service', 'KillSignal')).toBe('SIGTERM');
    const stopSeconds = Number(/^(\d+)s$/.exec(directive(unit, 'Service', 'TimeoutStopSec'))?.[1]);
    process.kill(edge!.pid!, 'SIGTERM');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      edge!.exited,
      new Promise<'SIGKILL'>((resolve) => (timer = setTimeout(() => resolve('SIGKILL'), stopSeconds * 1000))),
    ]);
    clearTimeout(timer);
    expect(outcome, edge!.output).toEqual({ code: 0, signal: null });
    expect(edge!.output).toMatch(/SIGTERM: draining/);
  }, 90_000);
});

describe('O8 MemoryDenyWriteExecute= stays unset', () => {
  it('O8 Node aborts once V8 compiles a hot function when memory may not be writable and executable, and runs without that rule', async () => {
    expect(unit.get('Service')?.has('MemoryDenyWriteExecute')).toBe(false);
    // A loop hot enough for V8's baseline compiler: the JIT needs memory it writes and then executes.
    const hot = ['-e', 'let sum = 0; for (let i = 0; i < 1e7; i++) sum += i; console.log(sum)'];
    const denied = await nodeUnderFilter(['--deny-write-execute'], hot);
    expect(denied.code === 0 && denied.signal === null, denied.stdout).toBe(false);
    expect(denied.stderr).toMatch(/SetPermissions|Check failed/);
    const allowed = await nodeUnderFilter([], hot);
    expect(allowed.stdout.trim()).toBe('49999995000000');
  }, 30_000);
});

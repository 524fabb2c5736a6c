// Test setup: a real authoritative DNS server (Debian's bind9) for the discovery
// integration tests. Installs bind9 with apt-get when `named` is missing (as root), copies the zone
// files of test/fixtures/dns into a temporary directory with their @@NAME@@ placeholders filled in,
// checks them with named-checkzone, runs `named -g` on a free loopback port (IPv4 and IPv6) with an
// rndc control channel for reloads, waits until it answers, and stops it by its PID.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as packet from 'dns-packet';

const run = promisify(execFile);

export const FIXTURE_DIR = 'test/fixtures/dns';
/** For beforeAll: a fresh machine installs bind9 first (apt-get update and install). */
export const BIND9_SETUP_TIMEOUT_MS = 12 * 60_000;
/** Below Linux's ephemeral range and apart from the SIP test harness's range (24000-29999). */
const PORT_RANGE = { first: 20_000, last: 23_999 } as const;
const APT_TIMEOUT_MS = 10 * 60_000;

export interface Bind9 {
  readonly port: number;
  /** "<address>:<port>", as discovery.resolvers takes it. */
  readonly resolver: string;
  readonly dir: string;
  /** The tail of named's own log (stderr), for a failing test's message. */
  log(): string;
  /** Rewrites one zone from its fixture with new substitutions and has named reload it (rndc). */
  reloadZone(zone: string, substitutions: Readonly<Record<string, string>>): Promise<void>;
  stop(): Promise<void>;
}

export interface Bind9Options {
  /** Zone origins to serve (file test/fixtures/dns/<origin>.zone); default every fixture. */
  readonly zones?: readonly string[];
  /** @@NAME@@ → value, for every zone; @@SERIAL@@ is filled in when absent. */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** Where the zone files are; default test/fixtures/dns. */
  readonly fixtureDir?: string;
  /** The IPv4 address named listens on (default 127.0.0.1), e.g. a veth address a network namespace reaches. */
  readonly address?: string;
}

export async function startBind9(options: Bind9Options = {}): Promise<Bind9> {
  await ensureBind9();
  const dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-bind9-'));
  try {
    return await runNamed(dir, options);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function runNamed(dir: string, options: Bind9Options): Promise<Bind9> {
  const fixtureDir = options.fixtureDir ?? FIXTURE_DIR;
  const zones =
    options.zones ??
    readdirSync(fixtureDir)
      .filter((f) => f.endsWith('.zone'))
      .map((f) => f.slice(0, -'.zone'.length));
  let serial = 1;
  for (const zone of zones)
    await writeZone(fixtureDir, dir, zone, { SERIAL: String(serial), ...options.substitutions });
  const port = freePort();
  const address = options.address ?? '127.0.0.1';
  const secret = randomBytes(32).toString('base64');
  writeFileSync(path.join(dir, 'named.conf'), namedConf({ dir, address, port, controlPort: port + 1, secret, zones }));
  writeFileSync(path.join(dir, 'rndc.conf'), rndcConf(port + 1, secret));
  await run(programPath('named-checkconf'), [path.join(dir, 'named.conf')]);
  const named = spawn(programPath('named'), ['-g', '-c', path.join(dir, 'named.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  named.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => named.once('exit', (code) => resolve(code)));
  try {
    await waitUntilAnswering(address, port, exited, () => log);
    await checkZonesLoaded(address, port, zones, () => log);
  } catch (error) {
    await stopNamed(named, exited, dir);
    throw error;
  }
  return {
    port,
    resolver: `${address}:${port}`,
    dir,
    log: () => log,
    async reloadZone(zone, substitutions) {
      await writeZone(fixtureDir, dir, zone, { SERIAL: String(++serial), ...substitutions });
      await run(programPath('rndc'), ['-c', path.join(dir, 'rndc.conf'), 'reload', zone]);
      await waitForSerial(address, port, zone, serial);
    },
    stop: () => stopNamed(named, exited, dir),
  };
}

/**
 * apt-get update once, then install, when named is missing (Debian packages bind9 and bind9-dnsutils).
 * Test files run in parallel: one installs under a lock file while the others wait for named.
 */
async function ensureBind9(): Promise<void> {
  if (bind9Installed()) return;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(
      'the discovery tests need bind9; run as root: apt-get update && apt-get install -y bind9 bind9-dnsutils',
    );
  }
  const lock = path.join(tmpdir(), 'simple-edge-bind9-install.lock');
  let owner = false;
  try {
    closeSync(openSync(lock, 'wx'));
    owner = true;
  } catch {
    // another test file is installing: wait for it below
  }
  try {
    if (owner) await aptInstall();
    const deadline = Date.now() + APT_TIMEOUT_MS;
    while (!bind9Installed()) {
      if (Date.now() > deadline || !existsSync(lock))
        throw new Error('bind9 was not installed (apt-get failed in another test file?)');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    if (owner) rmSync(lock, { force: true });
  }
}

async function aptInstall(): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Wait for a dpkg lock another apt run holds rather than failing at once.
  const wait = ['-o', 'DPkg::Lock::Timeout=300'];
  await run('apt-get', [...wait, 'update'], { env, timeout: APT_TIMEOUT_MS });
  await run('apt-get', [...wait, 'install', '-y', '--no-install-recommends', 'bind9', 'bind9-dnsutils'], {
    env,
    timeout: APT_TIMEOUT_MS,
  });
  if (!bind9Installed()) throw new Error('apt-get installed bind9 but named is not on PATH');
}

function bind9Installed(): boolean {
  return ['named', 'named-checkzone', 'named-checkconf', 'rndc'].every((program) => findProgram(program) !== undefined);
}

function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/sbin'];
  for (const dir of dirs.filter((d) => d !== '')) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function programPath(name: string): string {
  return findProgram(name) ?? name;
}

async function writeZone(
  fixtureDir: string,
  dir: string,
  zone: string,
  substitutions: Readonly<Record<string, string>>,
): Promise<void> {
  let text = readFileSync(path.join(fixtureDir, `${zone}.zone`), 'utf8');
  for (const [name, value] of Object.entries(substitutions)) text = text.replaceAll(`@@${name}@@`, value);
  const missing = /@@([A-Z_]+)@@/.exec(text);
  if (missing !== null) throw new Error(`${zone}.zone: no value for the placeholder @@${missing[1]}@@`);
  const file = path.join(dir, `${zone}.zone`);
  writeFileSync(file, text);
  try {
    await run(programPath('named-checkzone'), [zone, file]);
  } catch (error) {
    throw new Error(`named-checkzone refused ${zone}: ${(error as { stdout?: string }).stdout ?? String(error)}`, {
      cause: error,
    });
  }
}

function namedConf(options: {
  dir: string;
  address: string;
  port: number;
  controlPort: number;
  secret: string;
  zones: readonly string[];
}): string {
  const { dir, address, port, controlPort, secret, zones } = options;
  return [
    'options {',
    `  directory "${dir}";`,
    `  pid-file "${dir}/named.pid";`,
    `  session-keyfile "${dir}/session.key";`,
    `  managed-keys-directory "${dir}";`,
    `  listen-on port ${port} { ${address}; };`,
    `  listen-on-v6 port ${port} { ::1; };`,
    '  recursion no;',
    '  dnssec-validation no;',
    '  notify no;',
    '  allow-query { any; };',
    '};',
    `key "rndc-key" { algorithm hmac-sha256; secret "${secret}"; };`,
    `controls { inet 127.0.0.1 port ${controlPort} allow { 127.0.0.1; } keys { "rndc-key"; }; };`,
    ...zones.map((zone) => `zone "${zone}" { type primary; file "${dir}/${zone}.zone"; };`),
    '',
  ].join('\n');
}

function rndcConf(controlPort: number, secret: string): string {
  return [
    `key "rndc-key" { algorithm hmac-sha256; secret "${secret}"; };`,
    `options { default-key "rndc-key"; default-server 127.0.0.1; default-port ${controlPort}; };`,
    '',
  ].join('\n');
}

function procNet(file: string): string {
  try {
    return readFileSync(`/proc/net/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** Two consecutive ports free for TCP and UDP (DNS and rndc), read from /proc/net. */
function freePort(): number {
  const busy = new Set<number>();
  for (const file of ['tcp', 'tcp6', 'udp', 'udp6']) {
    for (const line of procNet(file).split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local !== undefined) busy.add(Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
    }
  }
  const span = PORT_RANGE.last - PORT_RANGE.first;
  for (let tries = 0; tries < 200; tries++) {
    const port = PORT_RANGE.first + 2 * Math.floor(Math.random() * (span / 2));
    if (!busy.has(port) && !busy.has(port + 1)) return port;
  }
  throw new Error(`no free port pair in ${PORT_RANGE.first}-${PORT_RANGE.last}`);
}

/** named answers about 0.2 s after start; asks for the root SOA until any answer comes. */
async function waitUntilAnswering(
  address: string,
  port: number,
  exited: Promise<number | null>,
  log: () => string,
): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`named exited before answering:\n${log()}`);
    if ((await soaRcode(address, port, 'e164.arpa')) !== undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`named did not answer on ${address}:${port} within 15 s:\n${log()}`);
}

/** named-checkzone does not apply every limit named does (bind 9.18 refuses more than 100 records per set). */
async function checkZonesLoaded(
  address: string,
  port: number,
  zones: readonly string[],
  log: () => string,
): Promise<void> {
  for (const zone of zones) {
    const rcode = await soaRcode(address, port, zone);
    if (rcode !== 'NOERROR')
      throw new Error(`named did not load the zone ${zone} (SOA: ${rcode ?? 'no answer'}):\n${log()}`);
  }
}

/** `rndc reload` may only queue the reload: wait until the zone's SOA shows the new serial. */
async function waitForSerial(address: string, port: number, zone: string, serial: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await soa(address, port, zone))?.serial !== serial) {
    if (Date.now() > deadline) throw new Error(`named did not load serial ${serial} of ${zone} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function soaRcode(address: string, port: number, zone: string): Promise<string | undefined> {
  return (await soa(address, port, zone))?.rcode;
}

function soa(
  address: string,
  port: number,
  zone: string,
): Promise<{ rcode: string; serial: number | undefined } | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => finish(undefined), 300);
    const finish = (result: { rcode: string; serial: number | undefined } | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    socket.on('error', () => finish(undefined));
    socket.on('message', (message: Buffer) => {
      const decoded = packet.decode(message) as packet.DecodedPacket & { rcode?: string };
      const record = decoded.answers?.find((a) => a.type === 'SOA');
      finish({ rcode: decoded.rcode ?? 'NOERROR', serial: record?.type === 'SOA' ? record.data.serial : undefined });
    });
    socket.send(packet.encode({ type: 'query', id: 1, questions: [{ type: 'SOA', name: zone }] }), port, address);
  });
}

async function stopNamed(named: ChildProcess, exited: Promise<number | null>, dir: string): Promise<void> {
  if (named.exitCode === null && named.signalCode === null) {
    named.kill('SIGTERM');
    const timer = setTimeout(() => named.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}

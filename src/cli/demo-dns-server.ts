// The throw-away DNS server of `simple-edge demo`: bind9's `named`, when installed, serving the
// federation zone file (config/federation/federation.zone) as each community's zone on a free
// loopback port, so the two edges find each other by NAPTR and SRV (RFC 3263) as real peers would.
// Nothing is installed here: without named the demo keeps its static routes.

import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as packet from 'dns-packet';

export interface DemoDnsServer {
  /** "127.0.0.1:<port>", as discovery.resolvers takes it. */
  readonly resolver: string;
  stop(): Promise<void>;
}

const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/usr/local/sbin'];
const START_TIMEOUT_MS = 10_000;

/** Where named is, or undefined when bind9 is not installed. */
export function findNamed(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== ''), ...SEARCH_PATH];
  for (const dir of dirs) {
    try {
      accessSync(path.join(dir, 'named'), constants.X_OK);
      return path.join(dir, 'named');
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Starts named serving `zoneFile` for every zone in `zones` and resolves once each answers its SOA. */
export async function startDemoDnsServer(options: {
  named: string;
  zoneFile: string;
  zones: readonly string[];
}): Promise<DemoDnsServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-demo-dns-'));
  const port = await freePort();
  writeFileSync(path.join(dir, 'named.conf'), namedConf(dir, port, path.resolve(options.zoneFile), options.zones));
  const named = spawn(options.named, ['-g', '-c', path.join(dir, 'named.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  named.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => named.once('close', () => resolve()));
  const stop = async (): Promise<void> => {
    await stopNamed(named, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForZones(port, options.zones, named);
  } catch (error) {
    await stop();
    throw new Error(
      `named did not serve ${options.zoneFile}: ${error instanceof Error ? error.message : String(error)}\n${log}`,
      { cause: error },
    );
  }
  return { resolver: `127.0.0.1:${port}`, stop };
}

function namedConf(dir: string, port: number, zoneFile: string, zones: readonly string[]): string {
  return [
    'options {',
    `  directory "${dir}";`,
    `  pid-file "${dir}/named.pid";`,
    `  session-keyfile "${dir}/session.key";`,
    `  managed-keys-directory "${dir}";`,
    `  listen-on port ${port} { 127.0.0.1; };`,
    '  listen-on-v6 { none; };',
    '  recursion no;',
    '  dnssec-validation no;',
    '  notify no;',
    '};',
    // No rndc control channel: the demo never reloads, and it would take a second port.
    'controls { };',
    ...zones.map((zone) => `zone "${zone}" { type primary; file "${zoneFile}"; };`),
    '',
  ].join('\n');
}

/** A loopback port free for TCP now; named takes it for UDP and TCP a moment later. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForZones(port: number, zones: readonly string[], named: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (const zone of zones) {
    while ((await soaRcode(port, zone)) !== 'NOERROR') {
      if (named.exitCode !== null) throw new Error(`named exited (${named.exitCode})`);
      if (Date.now() > deadline)
        throw new Error(`no SOA answer for ${zone} on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function soaRcode(port: number, zone: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const finish = (rcode: string | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(rcode);
    };
    const timer = setTimeout(() => finish(undefined), 300);
    socket.on('error', () => finish(undefined));
    socket.on('message', (message: Buffer) => {
      const decoded = packet.decode(message) as packet.DecodedPacket & { rcode?: string };
      finish(decoded.answers?.some((a) => a.type === 'SOA') === true ? 'NOERROR' : (decoded.rcode ?? 'NODATA'));
    });
    socket.send(packet.encode({ type: 'query', id: 1, questions: [{ type: 'SOA', name: zone }] }), port, '127.0.0.1');
  });
}

async function stopNamed(named: ChildProcess, exited: Promise<void>): Promise<void> {
  if (named.exitCode !== null || named.signalCode !== null) return;
  named.kill('SIGTERM');
  const timer = setTimeout(() => named.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

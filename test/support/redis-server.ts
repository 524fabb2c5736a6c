// Test helper: a throw-away redis-server on a free loopback port (no persistence: --save '' --appendonly no), installed
// from Debian when missing, answered to PING before the tests start, and stopped by its PID.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { ensureDebianPackages, requireProgram } from './apt.js';

export interface RunningRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL if it has not exited within two seconds. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** Installs redis-server if needed and starts one (on `port`, else a free one); the caller stops it. */
export async function startRedisServer(options: { port?: number } = {}): Promise<RunningRedis> {
  await ensureDebianPackages(['redis-server']);
  const program = requireProgram('redis-server');
  const port = options.port ?? (await freeLoopbackPort());
  const child = spawn(program, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  if (child.pid === undefined) throw new Error(`redis-server did not start: ${output}`);
  const pid = child.pid;
  try {
    await waitForPong(port, child);
  } catch (error) {
    await stopChild(child);
    throw new Error(`redis-server on port ${port} did not answer PING: ${String(error)}\n${output}`, { cause: error });
  }
  return { port, pid, url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

/** A port the kernel just handed out on 127.0.0.1 (and released for the server to take). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    try {
      if (await ping(port)) return;
    } catch (error) {
      lastError = error; // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no PONG within ${READY_TIMEOUT_MS} ms (${String(lastError)})`);
}

/** One inline PING over a raw socket: true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('PING timed out')));
    socket.once('error', reject);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (!reply.includes('\r\n')) return;
      socket.end();
      resolve(reply.startsWith('+PONG'));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timeout = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 2000);
  await exited;
  clearTimeout(timeout);
}

// Child processes of the relay benchmark (SIPp, stunnel, the proxies): output to a log file, readiness
// by a listening port, and a stop by PID (SIGTERM, then SIGKILL after a grace period). The supervisor
// remembers every live child so an interrupted run leaves no orphans (always by PID, never by name).

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly exited: Promise<ProcessExit>;
  /** True until the process has exited. */
  readonly running: boolean;
  /** SIGTERM, then SIGKILL when it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<ProcessExit>;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logDir: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export class ProcessSupervisor {
  readonly #live = new Set<ManagedProcess>();
  readonly #niceness: number;
  #serial = 0;

  /** `niceness` (-20..19) is given to every child, before it forks any of its own. */
  constructor(options: { niceness?: number } = {}) {
    this.#niceness = options.niceness ?? 0;
  }

  start(options: StartOptions): ManagedProcess {
    const logPath = path.join(options.logDir, `${String(++this.#serial).padStart(3, '0')}-${options.name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: false,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
    const pid = child.pid;
    if (this.#niceness !== 0) os.setPriority(pid, this.#niceness);
    let running = true;
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => {
        running = false;
        resolve({ code, signal });
      });
      child.once('error', () => {
        running = false;
        resolve({ code: null, signal: null });
      });
    });
    const managed: ManagedProcess = {
      name: options.name,
      pid,
      logPath,
      exited,
      get running() {
        return running;
      },
      stop: async (graceMs = 5000) => {
        if (running) {
          child.kill('SIGTERM');
          const timer = sleep(graceMs).then(() => 'timeout' as const);
          if ((await Promise.race([exited, timer])) === 'timeout' && running) child.kill('SIGKILL');
        }
        return exited;
      },
      logTail: (lines = 15) => tailOf(logPath, lines),
    };
    this.#live.add(managed);
    void exited.then(() => this.#live.delete(managed));
    return managed;
  }

  /** Stop every child still running, newest first (a UAC before the proxy it feeds). */
  async stopAll(graceMs = 5000): Promise<void> {
    for (const child of [...this.#live].reverse()) await child.stop(graceMs);
  }
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resolves once something listens on 127.0.0.1:`port` over TCP (read from /proc, no connection made). */
export async function waitForListening(
  port: number,
  process: ManagedProcess | undefined,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isListening(port)) {
    if (process !== undefined && !process.running) {
      throw new Error(`${process.name} exited before listening on port ${port}:\n${process.logTail()}`);
    }
    if (Date.now() > deadline)
      throw new Error(
        `nothing listens on port ${port} after ${timeoutMs} ms${process ? `:\n${process.logTail()}` : ''}`,
      );
    await sleep(50);
  }
}

const TCP_LISTEN = '0A';

export function isListening(port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === TCP_LISTEN && fields[1]?.endsWith(`:${hexPort}`)) return true;
    }
  }
  return false;
}

/** Fails when another program already listens on one of the ports the benchmark is about to use. */
export async function requirePortsFree(ports: readonly number[]): Promise<void> {
  for (const port of ports) await waitForPortFree(port, 3000);
  const busy = ports.filter(isListening);
  if (busy.length > 0)
    throw new Error(`ports already in use by another program: ${busy.join(', ')} (choose others with --port-base)`);
}

/** Waits until the port is free again (a process that just exited may still hold it briefly). */
export async function waitForPortFree(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isListening(port) && Date.now() < deadline) await sleep(50);
}

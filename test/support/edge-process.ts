// The edge as an operator runs it: `node bin/simple-edge.js start --config FILE` in its own working
// directory, a real process a test can SIGKILL and start again. The built CLI (dist/) must match the
// sources; ensureBuilt() rebuilds it when any source file is newer than the build.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'bin/simple-edge.js');
const BUILT_MAIN = path.join(REPO, 'dist/src/cli/main.js');
const BUILD_TIMEOUT_MS = 180_000;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Runs `npm run build` when dist/ is missing or older than a file under src/. A build that reports
 * type errors elsewhere (bench/) but wrote the CLI is accepted; one that did not write it throws.
 */
export async function ensureBuilt(): Promise<void> {
  const builtAt = existsSync(BUILT_MAIN) ? statSync(BUILT_MAIN).mtimeMs : 0;
  if (builtAt >= newestSource(path.join(REPO, 'src'))) return;
  try {
    await promisify(execFile)('npm', ['run', 'build', '--silent'], {
      cwd: REPO,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const rebuilt = existsSync(BUILT_MAIN) && statSync(BUILT_MAIN).mtimeMs > builtAt;
    if (!rebuilt) throw new Error(`npm run build did not write ${BUILT_MAIN}: ${String(error)}`, { cause: error });
  }
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class EdgeProcess {
  readonly exited: Promise<ProcessExit>;
  readonly #child: ChildProcess;
  #output = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => {
        this.#output += `\nspawn failed: ${error.message}`;
        resolve({ code: -1, signal: null });
      });
    });
  }

  /**
   * `simple-edge start --config <configFile>` in `cwd` (inside the network namespace `netns` when
   * given, as root); resolves once it printed a "serving" line for
   * each of its `listeners`, throws (after killing it) if it exits or takes longer than `timeoutMs`.
   */
  static async start(options: {
    cwd: string;
    configFile: string;
    listeners: number;
    timeoutMs?: number;
    wrapper?: readonly string[];
    netns?: string;
  }): Promise<EdgeProcess> {
    // `wrapper`: a command that runs the edge in its place (exec), e.g. in a mount namespace of its own;
    // `ip netns exec` execs the command itself too, so the PID stays the edge's own.
    const wrapper = options.wrapper ?? (options.netns === undefined ? [] : ['ip', 'netns', 'exec', options.netns]);
    const command = [...wrapper, process.execPath, CLI, 'start', '--config', options.configFile];
    const child = spawn(command[0]!, command.slice(1), { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const edge = new EdgeProcess(child);
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    let exited = false;
    void edge.exited.then(() => (exited = true));
    while (edge.servingLines < options.listeners) {
      if (exited || Date.now() > deadline) {
        await edge.kill('SIGKILL');
        throw new Error(
          `simple-edge start did not serve ${options.listeners} listeners${exited ? ' (it exited)' : ' in time'}:\n${edge.output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return edge;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Everything it printed on stdout and stderr. */
  get output(): string {
    return this.#output;
  }

  get servingLines(): number {
    return this.#output.split('\n').filter((line) => line.startsWith('serving ')).length;
  }

  /** Sends `signal` (by PID) unless it already ended; resolves once it has. */
  async kill(signal: NodeJS.Signals): Promise<ProcessExit> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
    return this.exited;
  }
}

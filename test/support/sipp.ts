// SIPp (Debian `sip-tester`) as a user agent in integration tests. Every run is bounded twice: SIPp's
// own -timeout with -timeout_error, and a kill timer here. Errors and every message go to files in
// the test's temp directory, so a failure can say what SIPp saw. SIPp binds control
// and media ports even for signalling only, so -cp and -mp are always passed; -bg leaves orphans, so
// it runs in the background here and its exit code is awaited (0: every call succeeded).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireProgram } from './apt.js';
import { LOOPBACK, waitForPort } from './edge-harness.js';

/** Ports one SIPp instance binds from its base port: -p, the control port (-cp), media (-mp, -mp + 2). */
export const SIPP_PORT_BLOCK = 6;

export const SIPP_SCENARIOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/sipp');

export interface SippOptions {
  /** Names the log files, e.g. `uas-message-udp`. */
  readonly name: string;
  /** A scenario file under test/fixtures/sipp, e.g. `uac-message.xml`. */
  readonly scenario: string;
  readonly transport: 'udp' | 'tcp';
  /** The first of SIPP_PORT_BLOCK free ports: SIP on it, control and media above. */
  readonly basePort: number;
  /** host:port the UAC sends to; absent for a UAS. */
  readonly remote?: string;
  /** -m: the run ends once this many calls are done. */
  readonly calls: number;
  /** -r calls per second (UAC). */
  readonly rate?: number;
  /** -l: at most this many calls at once. */
  readonly maxConcurrent?: number;
  /** -lost: percentage of messages SIPp drops on sending and receiving (UDP only). */
  readonly lostPercent?: number;
  /** -d: the length of every `<pause/>` without its own duration. */
  readonly pauseMs?: number;
  /** -timeout with -timeout_error: SIPp gives up and fails after this long. */
  readonly timeoutS: number;
  /** -s: the user part the scenarios put in the Request-URI. */
  readonly service?: string;
  /** -key name value, for the scenario's [name] keywords. */
  readonly keys?: Readonly<Record<string, string>>;
  /** -inf: an injection file (CSV) whose lines give each call's [field0], [field1] … */
  readonly injectionFile?: string;
  /** Where the error and message logs go. */
  readonly logDir: string;
  /** Further arguments, e.g. `-au alice -ap secret` for the scenario's [authentication]. */
  readonly extraArgs?: readonly string[];
}

export interface SippResult {
  readonly name: string;
  /** Where its error and message logs are. */
  readonly logDir: string;
  /** 0: every call succeeded; 1: some failed; 97/99/255: SIPp stopped early or failed to start. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** -trace_err output: the unexpected messages and aborted calls. */
  readonly errors: string;
  readonly stderr: string;
  /** The end of SIPp's statistics screen. */
  readonly stdoutTail: string;
  readonly messageLog: string;
}

const KEEP_STDOUT_BYTES = 12_000;
/** The Node-side bound beyond SIPp's own -timeout. */
const KILL_GRACE_MS = 5_000;

export class SippProcess {
  readonly options: SippOptions;
  readonly exited: Promise<SippResult>;
  readonly #child: ChildProcess;
  readonly #files: { errors: string; messages: string };
  #stdout = '';
  #stderr = '';
  #done = false;

  private constructor(options: SippOptions) {
    this.options = options;
    this.#files = {
      errors: path.join(options.logDir, `${options.name}-errors.log`),
      messages: path.join(options.logDir, `${options.name}-messages.log`),
    };
    this.#child = spawn(requireProgram('sip-tester'), sippArguments(options, this.#files), {
      cwd: options.logDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout?.on(
      'data',
      (chunk: Buffer) => (this.#stdout = (this.#stdout + chunk.toString('latin1')).slice(-KEEP_STDOUT_BYTES)),
    );
    this.#child.stderr?.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString('latin1')));
    const killTimer = setTimeout(() => this.#child.kill('SIGKILL'), options.timeoutS * 1000 + KILL_GRACE_MS);
    this.exited = new Promise<SippResult>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.#done) return;
        this.#done = true;
        clearTimeout(killTimer);
        resolve(this.#result(code, signal));
      };
      this.#child.once('close', finish); // after stdout and stderr are drained, unlike 'exit'
      this.#child.once('error', (error) => {
        this.#stderr += `\nspawn failed: ${error.message}`;
        finish(-1, null);
      });
    });
  }

  static start(options: SippOptions): SippProcess {
    return new SippProcess(options);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Resolves once SIPp has bound its SIP port (a UAS is then ready for calls). */
  async listening(timeoutMs = 5_000): Promise<void> {
    await waitForPort(this.options.basePort, this.options.transport, {
      timeoutMs,
      what: `SIPp ${this.options.name}`,
      exited: this.exited,
    });
  }

  /** SIGTERM by PID, SIGKILL if it lingers; resolves with its result either way. */
  async stop(graceMs = 2_000): Promise<SippResult> {
    if (!this.#done && this.#child.pid !== undefined) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** Waits for SIPp to end by itself for at most `ms`, then stops it. */
  async finish(ms: number): Promise<SippResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    return ended ? this.exited : this.stop();
  }

  #result(exitCode: number | null, signal: NodeJS.Signals | null): SippResult {
    const read = (file: string): string => (existsSync(file) ? readFileSync(file, 'latin1') : '');
    return {
      name: this.options.name,
      logDir: this.options.logDir,
      exitCode,
      signal,
      errors: read(this.#files.errors),
      stderr: this.#stderr,
      stdoutTail: this.#stdout,
      messageLog: read(this.#files.messages),
    };
  }
}

function sippArguments(options: SippOptions, files: { errors: string; messages: string }): string[] {
  const args = [
    '-sf',
    path.join(SIPP_SCENARIOS, options.scenario),
    '-t',
    options.transport === 'udp' ? 'u1' : 't1',
    '-i',
    LOOPBACK,
    '-p',
    String(options.basePort),
    '-cp',
    String(options.basePort + 1),
    '-mp',
    String(options.basePort + 2),
    '-m',
    String(options.calls),
    '-timeout',
    `${options.timeoutS}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_err',
    '-error_file',
    files.errors,
    '-trace_msg',
    '-message_file',
    files.messages,
    '-s',
    options.service ?? 'bob',
    '-d',
    String(options.pauseMs ?? 0),
  ];
  if (options.rate !== undefined) args.push('-r', String(options.rate));
  if (options.maxConcurrent !== undefined) args.push('-l', String(options.maxConcurrent));
  if (options.lostPercent !== undefined) args.push('-lost', String(options.lostPercent));
  for (const [key, value] of Object.entries(options.keys ?? {})) args.push('-key', key, value);
  if (options.injectionFile !== undefined) args.push('-inf', options.injectionFile);
  args.push(...(options.extraArgs ?? []));
  if (options.remote !== undefined) args.push(options.remote);
  return args;
}

/** A failed run explained: exit code, the errors SIPp logged and the end of its screen. */
export function describeSippRun(result: SippResult): string {
  const tail = (text: string, bytes: number): string => (text.length > bytes ? `…${text.slice(-bytes)}` : text);
  return [
    `SIPp ${result.name}: exit ${result.exitCode ?? 'none'}${result.signal === null ? '' : ` (${result.signal})`}` +
      ` (message and error logs in ${result.logDir}; SIMPLE_EDGE_KEEP_LOGS=1 keeps them)`,
    result.stderr.trim() === '' ? '' : `stderr:\n${tail(result.stderr.trim(), 2_000)}`,
    result.errors.trim() === '' ? '' : `errors:\n${tail(result.errors.trim(), 4_000)}`,
    `screen:\n${tail(result.stdoutTail.trim(), 3_000)}`,
  ]
    .filter((part) => part !== '')
    .join('\n');
}

export interface SippPair {
  readonly uac: SippResult;
  readonly uas: SippResult;
}

/**
 * The usual run: the UAS first (awaited until it listens), then the UAC; the UAS is given
 * `uasLingerMs` to finish its own calls after the UAC is done, then stopped by PID.
 */
export async function runSippPair(
  options: { uas: SippOptions; uac: SippOptions; uasLingerMs?: number },
  running: Set<SippProcess>,
): Promise<SippPair> {
  const uas = SippProcess.start(options.uas);
  running.add(uas);
  try {
    await uas.listening();
    const uac = SippProcess.start(options.uac);
    running.add(uac);
    const uacResult = await uac.exited;
    running.delete(uac);
    const uasResult = await uas.finish(options.uasLingerMs ?? 6_000);
    return { uac: uacResult, uas: uasResult };
  } finally {
    await uas.stop();
    running.delete(uas);
  }
}

// SIPp as the load generator (UAC) and the relay target (UAS), both over one TCP connection each
// (`-t t1`). Every run is bounded, since SIPp can hang and -bg leaves orphans: -timeout, -m for the
// UAC, -nostdin, its own -cp and -mp ports (it binds them even for signalling only), and a supervisor that stops it by PID. Outcomes come from SIPp's own statistics file
// (-trace_stat), not its exit code alone; its response times are ignored (quantised to 4 ms here).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { waitForListening, waitForPortFree, type ManagedProcess, type ProcessSupervisor } from './managed-process.js';

export interface SippCommon {
  readonly supervisor: ProcessSupervisor;
  readonly workDir: string;
  readonly scenario: string;
  readonly controlPort: number;
  readonly mediaPort: number;
}

export interface SippUas {
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts a UAS answering every MESSAGE 200 on 127.0.0.1:`port`; resolves once it listens. */
export async function startSippUas(
  options: SippCommon & { port: number; timeoutSeconds: number; label: string },
): Promise<SippUas> {
  await waitForPortFree(options.port);
  const process = options.supervisor.start({
    name: `sipp-uas-${options.label}`,
    command: 'sipp',
    logDir: options.workDir,
    args: [
      '-sf',
      options.scenario,
      '-t',
      't1',
      '-i',
      '127.0.0.1',
      '-p',
      String(options.port),
      '-cp',
      String(options.controlPort),
      '-mp',
      String(options.mediaPort),
      '-nostdin',
      '-timeout',
      `${options.timeoutSeconds}s`,
      ...watchdogRelaxed(),
    ],
  });
  await waitForListening(options.port, process);
  return {
    process,
    stop: async () => {
      await process.stop(3000);
      await waitForPortFree(options.port);
    },
  };
}

export interface SippUacRun {
  readonly calls: number;
  readonly successful: number;
  readonly failed: number;
  /** Calls neither answered 200 nor failed when the run ended (the global timeout struck first). */
  readonly unfinished: number;
  /** Successful calls per second over the run, from SIPp's own start and end timestamps. */
  readonly achievedRate: number;
  readonly elapsedSeconds: number;
  readonly exitCode: number | null;
  /** Non-zero failure counters by SIPp's name for them (FailedTimeoutOnRecv, FailedTcpClosed, ...). */
  readonly failureReasons: Readonly<Record<string, number>>;
  readonly pid: number;
}

export interface SippUacOptions extends SippCommon {
  readonly target: { readonly host: string; readonly port: number };
  readonly localPort: number;
  readonly rate: number;
  readonly calls: number;
  readonly timeoutSeconds: number;
  readonly label: string;
  /** Called once the UAC process exists, with its PID, so CPU sampling can include it. */
  readonly onStarted?: (pid: number) => void;
}

export async function runSippUac(options: SippUacOptions): Promise<SippUacRun> {
  const statFile = path.join(options.workDir, `sipp-uac-${options.label}.csv`);
  const process = options.supervisor.start({
    name: `sipp-uac-${options.label}`,
    command: 'sipp',
    logDir: options.workDir,
    args: [
      '-sf',
      options.scenario,
      '-t',
      't1',
      '-i',
      '127.0.0.1',
      '-p',
      String(options.localPort),
      '-cp',
      String(options.controlPort),
      '-mp',
      String(options.mediaPort),
      '-nostdin',
      '-r',
      String(options.rate),
      '-rp',
      '1000',
      '-m',
      String(options.calls),
      '-timeout',
      `${options.timeoutSeconds}s`,
      '-trace_stat',
      '-stf',
      statFile,
      '-fd',
      '1',
      ...watchdogRelaxed(),
      // Unexpected messages (a 403, a 500...) to a file of at most 1 MB, to tell why calls failed.
      '-trace_err',
      '-error_file',
      path.join(options.workDir, `sipp-uac-${options.label}-errors.log`),
      '-max_log_size',
      '1000000',
      `${options.target.host}:${options.target.port}`,
    ],
  });
  options.onStarted?.(process.pid);
  const exit = await process.exited;
  const stats = readLastStatistics(statFile);
  if (stats === undefined) throw new Error(`SIPp UAC wrote no statistics (exit ${exit.code}):\n${process.logTail()}`);
  const successful = stats.number('SuccessfulCall(C)');
  const failed = stats.number('FailedCall(C)');
  const elapsedSeconds = stats.epoch('CurrentTime') - stats.epoch('StartTime');
  return {
    calls: options.calls,
    successful,
    failed,
    unfinished: Math.max(0, options.calls - successful - failed),
    achievedRate: elapsedSeconds > 0 ? successful / elapsedSeconds : 0,
    elapsedSeconds,
    exitCode: exit.code,
    failureReasons: stats.failureReasons(),
    pid: process.pid,
  };
}

// A loaded 2-core machine delays SIPp's scheduler now and then; by default ten such delays abort the
// test. The benchmark judges the outcome by answered calls and achieved rate instead.
function watchdogRelaxed(): string[] {
  return ['-watchdog_major_maxtriggers', '100000', '-watchdog_minor_maxtriggers', '1000000'];
}

interface SippStatistics {
  number(column: string): number;
  /** SIPp's timestamp columns read `date<TAB>time<TAB>epoch`. */
  epoch(column: string): number;
  failureReasons(): Record<string, number>;
}

function readLastStatistics(file: string): SippStatistics | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const columns = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  const field = (column: string): string => {
    const index = columns.indexOf(column);
    if (index === -1) throw new Error(`SIPp statistics have no column ${column}`);
    return values[index] ?? '';
  };
  return {
    number: (column) => Number(field(column)),
    epoch: (column) => Number(field(column).split('\t').pop()),
    failureReasons: () => {
      const reasons: Record<string, number> = {};
      columns.forEach((column, index) => {
        const match = /^Failed(\w+)\(C\)$/.exec(column);
        const count = Number(values[index]);
        if (match !== null && match[1] !== 'Call' && count > 0) reasons[match[1]!] = count;
      });
      return reasons;
    },
  };
}

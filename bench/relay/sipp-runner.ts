// SIPp as the load generator (UAC) and the relay target (UAS), both over one TCP connection each
// (`-t t1`). Every run is bounded, since SIPp can hang and -bg leaves orphans: -timeout, -m for the
// UAC, -nostdin, its own -cp and -mp ports (it binds them even for signalling only), and a supervisor that stops it by PID. Outcomes come from SIPp's own statistics file
// (-trace_stat), not its exit code alone; its response times are ignored (quantised to 4 ms here).
// A 503 is an expected answer of the UAC scenario (uac-message.xml): SIPp counts it as a successful
// call, the scenario's own counters say how many there were and whether they carried Retry-After.

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
  /** Calls answered 200 (SIPp's successful calls less the 503s). */
  readonly successful: number;
  /** Calls SIPp started (sent their MESSAGE) per second, over the same time as `goodput`: the load it managed to offer. */
  readonly sentRate: number;
  /** Calls answered 503, and how many of those 503s carried a Retry-After. */
  readonly shed: number;
  readonly shedWithRetryAfter: number;
  /** Calls that got no final answer within the scenario's 5 s (FailedTimeoutOnRecv). */
  readonly timeouts: number;
  /** SIPp's retransmissions; SIPp retransmits over UDP only, so over TCP and TLS this stays 0. */
  readonly retransmissions: number;
  readonly failed: number;
  /** Calls neither answered 200 nor failed when the run ended (the global timeout struck first). */
  readonly unfinished: number;
  /** Successful calls per second over the run, from SIPp's own start and end timestamps. */
  readonly achievedRate: number;
  /**
   * 200s per second of offered load. Unlike `achievedRate` it does not count the seconds SIPp waits at
   * the end for answers that never come (an overloaded proxy's timeouts); otherwise the two are equal.
   */
  readonly goodput: number;
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
      String(STATISTICS_PERIOD_SECONDS),
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
  return {
    ...summariseUacStatistics(stats, options.calls, options.calls / options.rate),
    exitCode: exit.code,
    pid: process.pid,
  };
}

/** The UAC's outcome from the last line of its statistics file (all counters cumulative). */
export function summariseUacStatistics(
  stats: SippStatistics,
  calls: number,
  nominalSeconds: number,
): Omit<SippUacRun, 'exitCode' | 'pid'> {
  const shedBare = stats.optionalNumber('shedBare(C)');
  const shedWithRetryAfter = stats.optionalNumber('shedRetryAfter(C)');
  const shed = shedBare + shedWithRetryAfter;
  const successful = Math.max(0, stats.number('SuccessfulCall(C)') - shed);
  const failed = stats.number('FailedCall(C)');
  const elapsedSeconds = stats.epoch('CurrentTime') - stats.epoch('StartTime');
  const perSecond = (n: number): number => (elapsedSeconds > 0 ? n / elapsedSeconds : 0);
  // With timeouts, SIPp's last call ended RECV_TIMEOUT_SECONDS after it was sent: the wait that follows the
  // load is not part of it. Without, the run ended with the last answer, as for `achievedRate`.
  const offeredSeconds =
    stats.optionalNumber('FailedTimeoutOnRecv(C)') > 0
      ? Math.max(nominalSeconds, elapsedSeconds - RECV_TIMEOUT_SECONDS)
      : elapsedSeconds;
  return {
    calls,
    successful,
    sentRate: offeredSeconds > 0 ? stats.number('OutgoingCall(C)') / offeredSeconds : 0,
    shed,
    shedWithRetryAfter,
    timeouts: stats.optionalNumber('FailedTimeoutOnRecv(C)'),
    retransmissions: stats.optionalNumber('Retransmissions(C)'),
    failed,
    unfinished: Math.max(0, calls - successful - shed - failed),
    achievedRate: perSecond(successful),
    goodput: offeredSeconds > 0 ? successful / offeredSeconds : 0,
    elapsedSeconds,
    failureReasons: stats.failureReasons(),
  };
}

// A loaded 2-core machine delays SIPp's scheduler now and then; by default ten such delays abort the
// test. The benchmark judges the outcome by answered calls and achieved rate instead.
function watchdogRelaxed(): string[] {
  return ['-watchdog_major_maxtriggers', '100000', '-watchdog_minor_maxtriggers', '1000000'];
}

/** `-fd 1`: SIPp appends a line of cumulative counters every second (and one at the end). */
const STATISTICS_PERIOD_SECONDS = 1;
/** The UAC scenario's wait for an answer (uac-message.xml, `timeout="5000"`). */
const RECV_TIMEOUT_SECONDS = 5;

export interface SippStatistics {
  number(column: string): number;
  /** A column that may be absent (a scenario without that counter): 0 then. */
  optionalNumber(column: string): number;
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
  return parseSippStatistics(text);
}

/** SIPp's -trace_stat file: a header line of `;`-separated columns, then one line per dump period. */
export function parseSippStatistics(text: string): SippStatistics | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const columns = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  const index = (column: string): number => {
    const at = columns.indexOf(column);
    if (at === -1) throw new Error(`SIPp statistics have no column ${column}`);
    return at;
  };
  const field = (column: string): string => values[index(column)] ?? '';
  const epochOf = (text: string | undefined): number => Number((text ?? '').split('\t').pop());
  return {
    number: (column) => Number(field(column)),
    optionalNumber: (column) => (columns.includes(column) ? Number(field(column)) || 0 : 0),
    epoch: (column) => epochOf(field(column)),
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

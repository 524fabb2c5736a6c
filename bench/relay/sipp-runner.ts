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
  /** Calls SIPp started (sent their MESSAGE) per second while it was sending: the load it managed to offer. */
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
   * 200s per second up to the last 200 (at least the step's nominal length). Unlike `achievedRate` it
   * does not count the seconds SIPp waits at the end for answers that never come (an overloaded
   * proxy's timeouts, a connection it stopped reading); for a proxy that keeps up the two are equal.
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
  const shedBareSeries = stats.series('shedBare(C)').map((point) => point.value);
  const shedRetryAfterSeries = stats.series('shedRetryAfter(C)').map((point) => point.value);
  const shedBare = shedBareSeries[shedBareSeries.length - 1]!;
  const shedWithRetryAfter = shedRetryAfterSeries[shedRetryAfterSeries.length - 1]!;
  const shed = shedBare + shedWithRetryAfter;
  const successful = Math.max(0, stats.number('SuccessfulCall(C)') - shed);
  const failed = stats.number('FailedCall(C)');
  const elapsedSeconds = stats.epoch('CurrentTime') - stats.epoch('StartTime');
  const perSecond = (n: number): number => (elapsedSeconds > 0 ? n / elapsedSeconds : 0);
  // An overloaded proxy leaves calls hanging: SIPp then waits for timeouts, or for the proxy to close
  // the connection (tens of seconds), with no 200 coming. Goodput counts up to the last 200 only: the
  // first line of the once-a-second series that shows the final count (the last line, when the run
  // ended with its last answer, as a proxy that keeps up makes it).
  const admitted = stats
    .series('SuccessfulCall(C)')
    .map((point, i) => ({ ...point, value: point.value - shedBareSeries[i]! - shedRetryAfterSeries[i]! }));
  const admittedSeconds = admitted.find((point) => point.value === successful)?.seconds ?? elapsedSeconds;
  const goodputSeconds = Math.max(nominalSeconds, admittedSeconds);
  return {
    calls,
    successful,
    sentRate: sendingRate(stats.series('OutgoingCall(C)'), elapsedSeconds),
    shed,
    shedWithRetryAfter,
    timeouts: stats.optionalNumber('FailedTimeoutOnRecv(C)'),
    retransmissions: stats.optionalNumber('Retransmissions(C)'),
    failed,
    unfinished: Math.max(0, calls - successful - shed - failed),
    achievedRate: perSecond(successful),
    goodput: goodputSeconds > 0 ? successful / goodputSeconds : 0,
    elapsedSeconds,
    failureReasons: stats.failureReasons(),
  };
}

/**
 * Calls sent per second while SIPp was still sending: at the last line before every call was out (the
 * final count over the whole run when the series has no such line).
 */
function sendingRate(sent: readonly SeriesPoint[], elapsedSeconds: number): number {
  const final = sent[sent.length - 1]?.value ?? 0;
  const during = sent.filter((point) => point.value < final && point.seconds > 0).pop();
  if (during !== undefined) return during.value / during.seconds;
  return elapsedSeconds > 0 ? final / elapsedSeconds : 0;
}

// A loaded 2-core machine delays SIPp's scheduler now and then; by default ten such delays abort the
// test. The benchmark judges the outcome by answered calls and achieved rate instead.
function watchdogRelaxed(): string[] {
  return ['-watchdog_major_maxtriggers', '100000', '-watchdog_minor_maxtriggers', '1000000'];
}

/** `-fd 1`: SIPp appends a line of cumulative counters every second (and one at the end). */
const STATISTICS_PERIOD_SECONDS = 1;

export interface SippStatistics {
  number(column: string): number;
  /** A column that may be absent (a scenario without that counter): 0 then. */
  optionalNumber(column: string): number;
  /** SIPp's timestamp columns read `date<TAB>time<TAB>epoch`. */
  epoch(column: string): number;
  failureReasons(): Record<string, number>;
  /** A cumulative counter line by line, with the seconds since StartTime (0s for a column that is absent). */
  series(column: string): SeriesPoint[];
}

export interface SeriesPoint {
  readonly seconds: number;
  readonly value: number;
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
  const rows = lines.slice(1).map((line) => line.split(';'));
  const values = rows[rows.length - 1]!;
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
    series: (column) => {
      const at = columns.indexOf(column);
      const start = epochOf(field('StartTime'));
      return rows.map((row) => ({
        seconds: epochOf(row[index('CurrentTime')]) - start,
        value: at === -1 ? 0 : Number(row[at]) || 0,
      }));
    },
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

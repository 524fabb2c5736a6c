// `simple-edge loadtest <scenario.yaml>` (SPEC L1): plays a peer community against an edge (this one
// or any other) over mutual TLS, and the far side that answers what crosses; writes the report as
// JSON and as one self-contained HTML page, and prints the verdicts. Exit 5 when an expectation broke.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { LoadReport } from '../loadtest/load-report.js';
import { createProgressDisplay } from '../loadtest/progress-display.js';
import { renderHtmlReport } from '../loadtest/report-html.js';
import { checkAddresses, runLoadtest } from '../loadtest/run-loadtest.js';
import { parseScenarioFile, readPeerIdentity, type RunOverrides } from '../loadtest/scenario-file.js';
import type { CommandContext } from './check-config.js';
import type { CliIo } from './cli-io.js';
import { ensureDevCertificates } from './dev-certificates.js';
import { ExitCode } from './exit-code.js';

export interface LoadtestCommandOptions extends RunOverrides {
  readonly scenarioPath: string;
  readonly io: CliIo;
  readonly certsDir?: string;
  readonly jsonPath: string;
  readonly htmlPath: string;
  readonly progress: boolean;
}

export async function runLoadtestCommand(options: LoadtestCommandOptions): Promise<number> {
  const { io } = options;
  let text: string;
  try {
    text = readFileSync(options.scenarioPath, 'utf8');
  } catch (error) {
    io.err(`cannot read ${options.scenarioPath}: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.configInvalid;
  }
  const overrides: RunOverrides = {
    rate: options.rate,
    duration: options.duration,
    ramp: options.ramp,
    senders: options.senders,
    concurrency: options.concurrency,
    connections: options.connections,
    timeoutMs: options.timeoutMs,
  };
  const parsed = parseScenarioFile(text, overrides);
  if (!parsed.ok) {
    for (const problem of parsed.problems) io.err(`${options.scenarioPath}: ${problem}`);
    return ExitCode.configInvalid;
  }
  const progress = createProgressDisplay({
    durationSeconds: parsed.file.duration,
    ...(options.progress ? {} : { stream: { isTTY: false } as NodeJS.WriteStream }),
  });
  let report: LoadReport;
  try {
    // Refuse a non-loopback target before anything is read or written on the operator's behalf.
    checkAddresses(parsed.file);
    if (parsed.file.tls === undefined) {
      // Trying an edge on one machine: the peer's development certificate, from the CA `start` made.
      ensureDevCertificates(options.certsDir ?? path.resolve('certs'), [parsed.file.target.peerDomain]);
    }
    const tls = readPeerIdentity(parsed.file, {
      baseDir: path.dirname(path.resolve(options.scenarioPath)),
      ...(options.certsDir === undefined ? {} : { certsDir: options.certsDir }),
    });
    report = await runLoadtest({
      file: parsed.file,
      tls,
      onTick: (recorder, elapsed) => progress.update(recorder, elapsed),
    });
  } catch (error) {
    io.err(`loadtest failed: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.runtimeFailure;
  } finally {
    progress.stop();
  }
  writeReport(options.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  writeReport(options.htmlPath, renderHtmlReport(report));
  printSummary(report, io);
  io.out(`report: ${options.jsonPath}, ${options.htmlPath}`);
  if (report.closedByTarget.length > 0) {
    for (const line of describeClosedConnections(report)) io.err(line);
    return ExitCode.runtimeFailure;
  }
  return report.passed ? ExitCode.ok : ExitCode.expectationBroken;
}

/** L1: a target that went away is said as such, not as a policy outcome or a wave of timeouts. */
function describeClosedConnections(report: LoadReport): string[] {
  const closed = report.closedByTarget;
  const targets = [...new Set(closed.map((c) => c.target))].join(', ');
  const first = Math.min(...closed.map((c) => c.atSecond));
  const unanswered = report.totals.outcomes['connection-closed'] ?? 0;
  return [
    `loadtest: the target closed the connection (${targets}): ${closed.length} of the run's connections, the first ${first.toFixed(1)} s into the load; ${unanswered} request(s) were pending on them.`,
    'Fix: check that the edge is still running (it may have stopped or restarted) and what its log says about these connections; the verdicts above are not its policy.',
  ];
}

function writeReport(file: string, content: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, content);
}

function printSummary(report: LoadReport, io: CliIo): void {
  io.out(
    `${report.totals.completed}/${report.totals.sent} operations in ${report.elapsedSeconds.toFixed(1)} s (${report.totals.throughputPerSecond.toFixed(1)}/s)`,
  );
  for (const s of report.scenarios) {
    const outcomes = Object.entries(s.outcomes)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    io.out(
      `  ${s.name} [${s.policy}]: ${outcomes || 'nothing completed'}; p50 ${s.latencyMs.p50.toFixed(2)} ms, p99 ${s.latencyMs.p99.toFixed(2)} ms, p99.9 ${s.latencyMs.p999.toFixed(2)} ms`,
    );
  }
  for (const v of report.verdicts)
    io.out(`  ${v.passed ? 'HELD  ' : 'BROKEN'} ${v.policy} (${v.scenario}): ${v.says} — ${v.observed}`);
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${value}`);
  return n;
}

export function registerLoadtest(program: Command, context: CommandContext): void {
  program
    .command('loadtest')
    .description(
      'load an edge (this one or any other) as a peer community over mutual TLS and report how its border policies hold (L1)',
    )
    .argument('<scenario>', 'the scenario file (YAML): target, far sides, the mix and its expectations')
    .option('--rate <n>', 'operations per second at full rate', positive)
    .option('--duration <s>', 'seconds of load; the run stops by itself', positive)
    .option('--ramp <s>', 'seconds over which the rate climbs from zero', positive)
    .option('--senders <n>', 'distinct sending users', positive)
    .option('--concurrency <n>', 'operations outstanding at once', positive)
    .option('--connections <n>', 'mutual-TLS flows to spread requests over', positive)
    .option('--timeout <ms>', 'a request unanswered this long is a timeout', positive)
    .option('--certs <dir>', 'where the peer certificate is (certs/<peerDomain>.pem, .key, dev-ca.pem)')
    .option('--json <file>', 'the JSON report', 'loadtest-report.json')
    .option('--html <file>', 'the HTML report', 'loadtest-report.html')
    .option('--no-progress', 'no live progress line, even on a terminal')
    .action(
      async (
        scenarioPath: string,
        flags: {
          rate?: number;
          duration?: number;
          ramp?: number;
          senders?: number;
          concurrency?: number;
          connections?: number;
          timeout?: number;
          certs?: string;
          json: string;
          html: string;
          progress: boolean;
        },
      ) => {
        context.setExitCode(
          await runLoadtestCommand({
            scenarioPath,
            io: context.io,
            jsonPath: flags.json,
            htmlPath: flags.html,
            progress: flags.progress,
            rate: flags.rate,
            duration: flags.duration,
            ramp: flags.ramp,
            senders: flags.senders,
            concurrency: flags.concurrency,
            connections: flags.connections,
            timeoutMs: flags.timeout,
            ...(flags.certs === undefined ? {} : { certsDir: flags.certs }),
          }),
        );
      },
    );
}

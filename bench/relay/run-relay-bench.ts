// npm run bench:relay — the same stateful MESSAGE relay through simple-edge, Kamailio and the npm
// `sip` proxy in turn, each fed by SIPp UAC → proxy → SIPp UAS, plus SIPp UAC → UAS directly as the
// generator's own ceiling; over TCP, then over mutual TLS (stunnel in front of SIPp). The rate steps
// up until a step fails (> 0.1 % failed, < 95 % of the offered rate achieved, or p99 > 100 ms).
// Then one step at half simple-edge's maximum, and the overload leg: 1.5× and 2× the proxy's own
// maximum, one step each (overload-leg.ts). Prints figures and judges the targets (relay-targets.ts);
// asserts nothing (docs/PERFORMANCE.md records them with the machine).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { makeBenchCertificates } from './bench-certificates.js';
import { formatProfile, latestProfile, summariseProfile } from './cpu-profile-summary.js';
import { CpuSampler } from './cpu-sampler.js';
import { ensureDebianPeers } from './debian-peers.js';
import { launchKamailio } from './kamailio-launcher.js';
import { describeMachine, formatMachine, waitForQuietMachine } from './machine-description.js';
import { ProcessSupervisor } from './managed-process.js';
import { launchNpmSip } from './npm-sip-launcher.js';
import { launchDirect, type ProxyLauncher } from './proxy-launcher.js';
import { OVERLOAD_FACTORS, summariseOverload, unrunOverload, type OverloadRun } from './overload-leg.js';
import { climbLadder } from './rate-ladder.js';
import { parseRelayBenchOptions, type ProxyName, type Transport } from './relay-bench-options.js';
import {
  count,
  formatOverloadStep,
  formatOverloadTable,
  formatStep,
  formatTable,
  type ProxyRun,
} from './relay-report.js';
import { evaluateTargets, formatTargets, type TargetResult } from './relay-targets.js';
import {
  MAX_FAILURE_RATIO,
  MAX_P99_MS,
  MIN_ACHIEVED_FRACTION,
  runRelayStep,
  UAS_EXITED,
  type StepContext,
  type StepOutcome,
} from './relay-step.js';
import { launchSimpleEdge, launchSimpleEdgeWithoutPolicy } from './simple-edge-launcher.js';
import { Topology, type Bench } from './topology.js';

const LAUNCHERS: Record<ProxyName, ProxyLauncher> = {
  'simple-edge': launchSimpleEdge,
  'simple-edge-policy-off': launchSimpleEdgeWithoutPolicy,
  kamailio: launchKamailio,
  'npm-sip': launchNpmSip,
  direct: launchDirect,
};

const AFTER_FAILURE_PAUSE_MS = 6000;
/** Before each proxy's ladder: wait (at most a minute) for the machine to be nearly idle for 2 s. */
const QUIET_MACHINE = { thresholdPercent: 10, windowMs: 2000, maxWaitMs: 60_000 } as const;
/** Percent of one core used by processes outside the benchmark above which a failed step is repeated. */
const INTERFERENCE_PERCENT = 25;

async function main(): Promise<void> {
  const started = Date.now();
  const options = parseRelayBenchOptions(process.argv.slice(2));
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
  ensureDebianPeers(options.proxies, options.transports, (line) => console.log(line));
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'simple-edge-relay-bench-'));
  if (options.niceness !== 0) applyNiceness(options.niceness);
  const supervisor = new ProcessSupervisor({ niceness: options.niceness });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every process the benchmark started`);
      void supervisor.stopAll(2000).finally(() => process.exit(130));
    });
  }
  const bench: Bench = {
    options,
    repoRoot,
    workDir,
    supervisor,
    sampler: new CpuSampler(),
    certificates: options.transports.includes('tls') ? makeBenchCertificates(path.join(workDir, 'certs')) : undefined,
    scenarios: {
      uac: path.join(repoRoot, 'bench', 'relay', 'uac-message.xml'),
      uas: path.join(repoRoot, 'bench', 'relay', 'uas-message.xml'),
    },
    runs: [],
    profileLines: [],
    stepSerial: 0,
  };
  try {
    printHeader(bench, await describeMachine());
    for (const transport of options.transports) {
      for (const proxy of options.proxies) bench.runs.push(await benchProxy(bench, transport, proxy));
    }
  } finally {
    await supervisor.stopAll();
  }
  const targets = evaluateTargets(bench.runs);
  printSummary(bench, targets, started);
  if (options.jsonPath !== undefined)
    writeFileSync(options.jsonPath, JSON.stringify({ options, runs: bench.runs, targets }, null, 2));
  if (options.keepWorkDir) console.log(`work directory kept: ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}

// With the kernel's autogroup scheduling (Debian's default), CPU is first shared between sessions and
// nice only orders processes within one: the session's own autogroup gets the niceness too.
function applyNiceness(niceness: number): void {
  os.setPriority(process.pid, niceness);
  try {
    writeFileSync('/proc/self/autogroup', String(niceness));
  } catch {
    // no autogroup scheduling here: per-process niceness is all there is
  }
}

function printHeader(bench: Bench, machine: Awaited<ReturnType<typeof describeMachine>>): void {
  const { options } = bench;
  console.log('simple-edge relay benchmark: stateful MESSAGE relay, SIPp UAC → proxy → SIPp UAS');
  for (const line of formatMachine(machine)) console.log(line);
  console.log(
    `method: ${options.stepSeconds} s per step, ladder ${options.ladder.map(count).join(', ')} MESSAGE/s${options.refine ? ' + one refinement step' : ''}; ` +
      `a step fails at > ${MAX_FAILURE_RATIO * 100} % failed, < ${MIN_ACHIEVED_FRACTION * 100} % of the rate achieved, or p99 > ${MAX_P99_MS} ms; ` +
      `latency from a ${options.probeRate}/s probe (own TCP/TLS connection, hrtime); TLS through stunnel4 in front of SIPp` +
      (options.overload
        ? `; overload leg: ${OVERLOAD_FACTORS.map((f) => `${f}×`).join(' and ')} each proxy's maximum, one step each, not repeated`
        : '; overload leg skipped') +
      (options.niceness === 0 ? '' : `; every process at niceness ${options.niceness}`),
  );
  console.log(`work directory: ${bench.workDir}\n`);
}

async function benchProxy(bench: Bench, transport: Transport, proxyName: ProxyName): Promise<ProxyRun> {
  const cpuProfileDir =
    bench.options.profileEdge && proxyName.startsWith('simple-edge')
      ? path.join(bench.workDir, `profile-${proxyName}-${transport}`)
      : undefined;
  if (cpuProfileDir !== undefined) mkdirSync(cpuProfileDir, { recursive: true });
  const topology = new Topology(bench, transport);
  try {
    const proxy = await topology.start(LAUNCHERS[proxyName], cpuProfileDir);
    const busy = await waitForQuietMachine(QUIET_MACHINE);
    const quiet =
      busy <= QUIET_MACHINE.thresholdPercent
        ? ''
        : ` — machine still ${Math.round(busy)} % busy with other programs after ${QUIET_MACHINE.maxWaitMs / 1000} s`;
    console.log(`${transport} ${proxyName}: ${proxy.description}${quiet}`);
    const step = stepRunner(bench, topology.stepContext(), topology);
    const ladder = await climbLadder({
      ladder: bench.options.ladder,
      refine: bench.options.refine,
      runStep: (rate) => step(rate),
    });
    if (ladder.aborted !== undefined) console.log(`  [${transport} ${proxyName}] ${ladder.aborted}`);
    const edgeBest =
      proxyName === 'simple-edge'
        ? ladder.best
        : bench.runs.find((r) => r.proxy === 'simple-edge' && r.transport === transport)?.ladder?.best;
    const atEdgeHalf =
      edgeBest === undefined || ladder.aborted !== undefined
        ? undefined
        : await step(Math.round(edgeBest.rate / 2), ' ½ edge');
    const overload =
      !bench.options.overload || ladder.best === undefined || ladder.aborted !== undefined
        ? undefined
        : await overloadLeg(
            ladder.best,
            (rate, note) => step(rate, note, false),
            () => proxy.exitReport(),
          );
    if (overload !== undefined)
      for (const { figures } of overload) console.log(formatOverloadStep(transport, proxyName, figures));
    const overloadNotRun = !bench.options.overload
      ? undefined
      : ladder.aborted !== undefined
        ? 'the ladder was aborted'
        : ladder.best === undefined
          ? 'no maximum (no rung of the ladder passed)'
          : undefined;
    if (overloadNotRun !== undefined)
      console.log(`  [${transport} ${proxyName}] overload leg not run: ${overloadNotRun}`);
    return {
      proxy: proxyName,
      transport,
      description: proxy.description,
      ladder,
      atEdgeHalf,
      overload,
      ...(overloadNotRun === undefined ? {} : { overloadNotRun }),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    console.log(`${transport} ${proxyName}: not measured: ${reason}`);
    return {
      proxy: proxyName,
      transport,
      description: topology.proxy?.description ?? '',
      ladder: undefined,
      atEdgeHalf: undefined,
      skipped: `n/a: ${reason}`,
    };
  } finally {
    await topology.stop();
    if (cpuProfileDir !== undefined) summariseEdgeProfile(bench, `${proxyName} over ${transport}`, cpuProfileDir);
  }
}

/**
 * The overload leg: each factor of the proxy's maximum for one step, not repeated (an overloaded step
 * fails the ladder's conditions by design). A proxy that died on one step leaves the next unrun.
 */
async function overloadLeg(
  best: StepOutcome,
  runStep: (rate: number, note: string) => Promise<StepOutcome>,
  proxyExit: () => string | undefined,
): Promise<OverloadRun[]> {
  const runs: OverloadRun[] = [];
  for (const factor of OVERLOAD_FACTORS) {
    const rate = Math.round(best.rate * factor);
    const died = proxyExit();
    if (died !== undefined) {
      runs.push({ figures: unrunOverload(factor, rate, best, `not run: ${died}`), step: undefined });
      continue;
    }
    try {
      const step = await runStep(rate, ` ${factor}× max`);
      const broke = proxyExit() ?? (step.verdict.includes(UAS_EXITED) ? UAS_EXITED : undefined);
      runs.push({ figures: summariseOverload(factor, step, best, broke), step });
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      runs.push({ figures: unrunOverload(factor, rate, best, `not run: ${why}`), step: undefined });
    }
  }
  return runs;
}

/**
 * Runs one step; a failed step is run once more and the second run counts. One stall in six seconds
 * (a collection, the hypervisor, another program) fails the p99 condition while the proxy still keeps
 * up; it should not decide a proxy's maximum, and every proxy gets the same second chance. Pauses
 * after failures.
 */
function stepRunner(
  bench: Bench,
  context: StepContext,
  topology: Topology,
): (rate: number, note?: string, retryFailed?: boolean) => Promise<StepOutcome> {
  const { transport } = context;
  const proxyName = context.proxy.name;
  let previousFailed = false;
  return async (rate, note = '', retryFailed = true) => {
    // After an overloaded step, let the proxy and the UAS drain their queues (SIPp gives up after 5 s).
    if (previousFailed) await sleep(AFTER_FAILURE_PAUSE_MS);
    const restarted = await topology.ensureUas();
    if (restarted !== undefined) console.log(`  [${transport} ${proxyName}] ${restarted}`);
    const run = (): Promise<StepOutcome> =>
      runRelayStep(context, rate, `${String(++bench.stepSerial).padStart(3, '0')}-${transport}-${proxyName}-${rate}`);
    let outcome = await run();
    if (retryFailed && !outcome.ok && context.proxy.exitReport() === undefined) {
      const why = outcome.cpu.unaccounted > INTERFERENCE_PERCENT ? 'other programs busy' : 'failed once';
      console.log(formatStep(transport, proxyName, outcome, `${note} (${why}: again)`));
      await sleep(AFTER_FAILURE_PAUSE_MS);
      outcome = await run();
    }
    console.log(formatStep(transport, proxyName, outcome, note));
    previousFailed = !outcome.ok;
    return outcome;
  };
}

function summariseEdgeProfile(bench: Bench, label: string, dir: string): void {
  const file = latestProfile(dir);
  if (file === undefined) {
    bench.profileLines.push(`${label}: no CPU profile written`);
    return;
  }
  bench.profileLines.push(`${label}, whole ladder:`, ...formatProfile(summariseProfile(file, bench.repoRoot)), '');
}

function printSummary(bench: Bench, targets: readonly TargetResult[], started: number): void {
  console.log('\nmaximum sustained rate per proxy and transport (latency from the probe; CPU in % of one core):');
  for (const line of formatTable(bench.runs)) console.log(line);
  const overload = formatOverloadTable(bench.runs);
  if (overload.length > 0) {
    console.log(
      '\noverload: each proxy at 1.5× and 2× its own maximum, one step each (goodput: 200s per second up to the last 200; ' +
        '"of max" is its share of the goodput at the maximum, above 100 % when the highest passing rung lay well below ' +
        'the capacity; 503s, Retry-After and timeouts count SIPp and the probe; p99 and time-to-503 from the probe):',
    );
    for (const line of overload) console.log(line);
  }
  console.log('\nsimple-edge against the others, and its relay targets:');
  for (const line of formatTargets(targets)) console.log(`  ${line}`);
  for (const run of bench.runs)
    if (run.description !== '') console.log(`  ${run.transport} ${run.proxy}: ${run.description}`);
  if (bench.profileLines.length > 0) {
    console.log('');
    for (const line of bench.profileLines) console.log(line);
  }
  console.log(`\ntotal time ${((Date.now() - started) / 60_000).toFixed(1)} min`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});

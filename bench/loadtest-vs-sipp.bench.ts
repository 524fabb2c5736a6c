// npm run bench:loadtest — is `simple-edge loadtest` ever the bottleneck? The same edge (Kamailio,
// `-x tlsf -m 4096`, the relay benchmark's stateful MESSAGE relay, the fastest edge on this machine)
// is loaded over mutual TLS by SIPp (through stunnel, since Debian builds SIPp without TLS) and
// by the load tester (its own TLS, and its own far side standing where SIPp's UAS stood). Each
// generator climbs the same rate ladder until a step fails (< 95 % of the offered rate sent and
// answered 2xx, or > 0.1 % not 2xx); the figure is the highest passing rate, and the ratio
// loadtest / SIPp. Prints figures; asserts nothing.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { LoadReport } from '../src/loadtest/load-report.js';
import { makeBenchCertificates, PEER_DOMAIN, type BenchCertificates } from './relay/bench-certificates.js';
import { ensureDebianPeers, toolVersion } from './relay/debian-peers.js';
import { ProcessSupervisor, requirePortsFree, waitForListening, waitForPortFree } from './relay/managed-process.js';
import { runSippUac, startSippUas } from './relay/sipp-runner.js';
import { startStunnel } from './relay/stunnel-runner.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LADDER = (process.env.LOADTEST_BENCH_LADDER ?? '2000,4000,6000,8000,10000,12000,14000,16000,20000')
  .split(',')
  .map(Number);
const STEP_SECONDS = Number(process.env.LOADTEST_BENCH_STEP_SECONDS ?? 5);
const MIN_ACHIEVED = 0.95;
/**
 * Between steps: Kamailio keeps finished transactions for 5 s (its wait timer), so a step
 * started sooner pays for the previous one's clean-up and fails where a later attempt passes.
 */
const PAUSE_MS = 6000;
const MAX_FAILED = 0.001;
/** LOADTEST_BENCH_PROFILE=<dir>: the load tester writes a V8 CPU profile per step there. */
const PROFILE_DIR = process.env.LOADTEST_BENCH_PROFILE;
const GENERATORS = (process.env.LOADTEST_BENCH_GENERATORS ?? 'sipp,loadtest').split(',');
const BASE_PORT = Number(process.env.LOADTEST_BENCH_PORT ?? 27_100);
const PORTS = {
  kamailioTcp: BASE_PORT,
  kamailioTls: BASE_PORT + 1,
  uas: BASE_PORT + 2,
  uasControl: BASE_PORT + 3,
  uasMedia: BASE_PORT + 4,
  stunnel: BASE_PORT + 6,
  uacLocal: BASE_PORT + 7,
  uacControl: BASE_PORT + 8,
  uacMedia: BASE_PORT + 9,
} as const;

interface Step {
  readonly rate: number;
  readonly ok: boolean;
  readonly achieved: number;
  readonly failed: number;
  readonly note: string;
}

interface Context {
  readonly workDir: string;
  readonly supervisor: ProcessSupervisor;
  readonly certificates: BenchCertificates;
}

async function main(): Promise<void> {
  ensureDebianPeers(['kamailio'], ['tls'], (line) => console.log(line));
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'simple-edge-loadtest-bench-'));
  const supervisor = new ProcessSupervisor();
  const context: Context = { workDir, supervisor, certificates: makeBenchCertificates(path.join(workDir, 'certs')) };
  try {
    await requirePortsFree(Object.values(PORTS));
    await startKamailio(context);
    console.log(
      `simple-edge loadtest vs SIPp: MESSAGE over mutual TLS into ${toolVersion('kamailio', ['-v'], /kamailio \S+/)} (-x tlsf -m 4096), ` +
        `stateful relay to a UAS over TCP; ${STEP_SECONDS} s per step; a step passes at >= ${MIN_ACHIEVED * 100} % of the rate answered 2xx ` +
        `and <= ${MAX_FAILED * 100} % not; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'})`,
    );
    const sipp = GENERATORS.includes('sipp') ? await climb('sipp + stunnel', (rate) => sippStep(context, rate)) : 0;
    const loadtest = GENERATORS.includes('loadtest')
      ? await climb('simple-edge loadtest', (rate) => loadtestStep(context, rate))
      : 0;
    const ratio = sipp === 0 ? Number.NaN : loadtest / sipp;
    console.log(
      `\nhighest sustained MESSAGE/s over TLS: SIPp (via stunnel) ${sipp}, simple-edge loadtest ${loadtest}; ratio loadtest/SIPp ${ratio.toFixed(2)}`,
    );
    if (loadtest >= LADDER[LADDER.length - 1]! && sipp >= LADDER[LADDER.length - 1]!)
      console.log('both reached the top of the ladder: raise LOADTEST_BENCH_LADDER');
  } finally {
    await supervisor.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function climb(name: string, step: (rate: number) => Promise<Step>): Promise<number> {
  let best = 0;
  for (const rate of LADDER) {
    let outcome = await step(rate);
    printStep(name, outcome);
    // The machine is shared: a failed step is tried once more before the ladder ends.
    if (!outcome.ok) {
      await sleep(PAUSE_MS);
      outcome = await step(rate);
      printStep(name, outcome, ' (again)');
    }
    if (!outcome.ok) break;
    best = rate;
    await sleep(PAUSE_MS);
  }
  return best;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function printStep(name: string, outcome: Step, again = ''): void {
  console.log(
    `  ${name.padEnd(22)} ${String(outcome.rate).padStart(6)}/s${again}: ${outcome.ok ? 'ok  ' : 'FAIL'} achieved ${Math.round(outcome.achieved)}/s, ` +
      `${(outcome.failed * 100).toFixed(2)} % not 2xx${outcome.note === '' ? '' : `; ${outcome.note}`}`,
  );
}

/** The relay benchmark's Kamailio: TLS from the generator, every MESSAGE relayed to the UAS port over TCP. */
async function startKamailio(context: Context): Promise<void> {
  const { certificates: c, workDir } = context;
  const tlsConfig = path.join(workDir, 'kamailio-tls.cfg');
  writeFileSync(
    tlsConfig,
    ['server', 'client']
      .map((role) =>
        [
          `[${role}:default]`,
          'method = TLSv1.2+',
          'verify_certificate = yes',
          'require_certificate = yes',
          `certificate = ${c.proxy.cert}`,
          `private_key = ${c.proxy.key}`,
          `ca_list = ${c.ca}`,
          '',
        ].join('\n'),
      )
      .join('\n'),
  );
  const process = context.supervisor.start({
    name: 'kamailio',
    command: 'kamailio',
    logDir: workDir,
    args: [
      '-f',
      path.join(REPO_ROOT, 'bench', 'kamailio', 'kamailio-relay.cfg'),
      '-x',
      'tlsf',
      '-m',
      '4096',
      '-M',
      '16',
      '-DD',
      '-E',
      '-Y',
      workDir,
      ...[
        `LISTEN_TCP=tcp:127.0.0.1:${PORTS.kamailioTcp}`,
        `UAS_URI="sip:127.0.0.1:${PORTS.uas};transport=tcp"`,
        'WITH_TLS',
        `LISTEN_TLS=tls:127.0.0.1:${PORTS.kamailioTls}`,
        `TLS_CONFIG="${tlsConfig}"`,
      ].flatMap((d) => ['-A', d]),
    ],
  });
  await waitForListening(PORTS.kamailioTls, process, 20_000);
}

async function sippStep(context: Context, rate: number): Promise<Step> {
  const { supervisor, workDir, certificates: c } = context;
  const scenarios = path.join(REPO_ROOT, 'bench', 'relay');
  const uas = await startSippUas({
    supervisor,
    workDir,
    scenario: path.join(scenarios, 'uas-message.xml'),
    label: `uas-${rate}`,
    port: PORTS.uas,
    controlPort: PORTS.uasControl,
    mediaPort: PORTS.uasMedia,
    timeoutSeconds: STEP_SECONDS + 30,
  });
  const tunnel = await startStunnel({
    supervisor,
    workDir,
    name: `uac-${rate}`,
    role: 'client',
    acceptPort: PORTS.stunnel,
    connectPort: PORTS.kamailioTls,
    cert: c.uacTunnel.cert,
    key: c.uacTunnel.key,
    ca: c.ca,
  });
  try {
    const run = await runSippUac({
      supervisor,
      workDir,
      scenario: path.join(scenarios, 'uac-message.xml'),
      label: `uac-${rate}`,
      target: { host: '127.0.0.1', port: PORTS.stunnel },
      localPort: PORTS.uacLocal,
      controlPort: PORTS.uacControl,
      mediaPort: PORTS.uacMedia,
      rate,
      calls: rate * STEP_SECONDS,
      timeoutSeconds: STEP_SECONDS + 10,
    });
    const failed = (run.failed + run.unfinished) / Math.max(1, run.calls);
    return {
      rate,
      achieved: run.achievedRate,
      failed,
      ok: run.achievedRate >= MIN_ACHIEVED * rate && failed <= MAX_FAILED,
      note: '',
    };
  } finally {
    await tunnel.stop();
    await uas.stop();
  }
}

/** The load tester as an operator runs it: its CLI in a process of its own, the report read back. */
async function loadtestStep(context: Context, rate: number): Promise<Step> {
  const { workDir, certificates: c } = context;
  const scenario = path.join(workDir, `loadtest-${rate}.yaml`);
  const json = path.join(workDir, `loadtest-${rate}.json`);
  writeFileSync(
    scenario,
    stringify({
      target: {
        external: { host: '127.0.0.1', port: PORTS.kamailioTls },
        localDomain: 'a.example.com',
        peerDomain: PEER_DOMAIN,
      },
      listen: { community: { host: '127.0.0.1', port: PORTS.uas } },
      tls: { cert: c.uacTunnel.cert, key: c.uacTunnel.key, ca: c.ca },
      rate,
      duration: STEP_SECONDS,
      senders: 100,
      concurrency: 100_000,
      connections: 1,
      timeoutMs: 5000,
      scenarios: [{ kind: 'message-flood' }],
    }),
  );
  await waitForPortFree(PORTS.uas);
  const profile = PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`];
  const result = spawnSync(
    process.execPath,
    [
      ...profile,
      path.join(REPO_ROOT, 'bin', 'simple-edge.js'),
      'loadtest',
      scenario,
      '--json',
      json,
      '--html',
      path.join(workDir, `loadtest-${rate}.html`),
      '--no-progress',
    ],
    { encoding: 'utf8', timeout: (STEP_SECONDS + 60) * 1000 },
  );
  if (result.status !== 0)
    return {
      rate,
      achieved: 0,
      failed: 1,
      ok: false,
      note: `exit ${result.status}: ${(result.stderr ?? '').trim().split('\n')[0]}`,
    };
  const report = JSON.parse(readFileSync(json, 'utf8')) as LoadReport;
  const flood = report.scenarios[0]!;
  const ok2xx = flood.outcomes['2xx'] ?? 0;
  const failed = (flood.sent - ok2xx) / Math.max(1, flood.sent);
  // As SIPp counts it: answered calls over the time from the first sent to the last answered.
  const achieved = ok2xx / Math.max(STEP_SECONDS, report.elapsedSeconds);
  const note = `p50 ${flood.latencyMs.p50.toFixed(2)} ms, p99 ${flood.latencyMs.p99.toFixed(2)} ms, ${flood.skipped} skipped`;
  return { rate, achieved, failed, ok: achieved >= MIN_ACHIEVED * rate && failed <= MAX_FAILED, note };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});

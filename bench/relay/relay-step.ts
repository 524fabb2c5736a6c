// One step of the ladder: a SIPp UAC offering `rate` MESSAGE/s for the step's seconds (towards the
// UAS that lives as long as the proxy's run), the latency probe beside it, and CPU sampled over the steady middle of the step (half a
// second in, half a second before the end). A step passes when at most 0.1 % of transactions fail,
// SIPp achieved at least 95 % of the offered rate, and the probe's p99 is at most 100 ms.

import type { CpuSampler, CpuUsage } from './cpu-sampler.js';
import { LatencyProbe, type ProbeResult, type ProbeTarget } from './latency-probe.js';
import type { ManagedProcess, ProcessSupervisor } from './managed-process.js';
import type { RunningProxy } from './proxy-launcher.js';
import type { RelayBenchOptions, Transport } from './relay-bench-options.js';
import { runSippUac, type SippUacRun, type SippUas } from './sipp-runner.js';

export const MAX_FAILURE_RATIO = 0.001;
export const MAX_P99_MS = 100;
export const MIN_ACHIEVED_FRACTION = 0.95;
export const UAS_EXITED = 'the SIPp UAS exited (its connection from the proxy broke)';

export interface StepContext {
  readonly options: RelayBenchOptions;
  readonly transport: Transport;
  readonly proxy: RunningProxy;
  readonly supervisor: ProcessSupervisor;
  readonly workDir: string;
  readonly uacScenario: string;
  /** The UAS, started once per proxy and transport so the proxy's connection to it stays up across steps. */
  readonly uas: () => SippUas;
  readonly sampler: CpuSampler;
  /** stunnel processes of the TLS run (their CPU is reported apart). */
  readonly tunnels: readonly ManagedProcess[];
  /** Where the SIPp UAC connects: the proxy, or stunnel in front of it. */
  readonly uacPort: number;
  readonly probeTarget: ProbeTarget;
}

export interface StepOutcome {
  readonly rate: number;
  readonly ok: boolean;
  /** `ok`, or why the step failed. */
  readonly verdict: string;
  readonly uac: SippUacRun;
  readonly probe: ProbeResult;
  readonly failureRatio: number;
  /** Percent of one core: proxy, sipp (UAC + UAS), stunnel, probe (this process). */
  readonly cpu: CpuUsage;
}

const SETTLE_MS = 500;

export async function runRelayStep(context: StepContext, rate: number, label: string): Promise<StepOutcome> {
  const options = context.options;
  const ports = options.ports;
  let uacPid: number | undefined;
  const uacRun = runSippUac({
    supervisor: context.supervisor,
    workDir: context.workDir,
    scenario: context.uacScenario,
    label,
    target: { host: '127.0.0.1', port: context.uacPort },
    localPort: ports.uacLocal,
    controlPort: ports.uacControl,
    mediaPort: ports.uacMedia,
    rate,
    calls: Math.round(rate * options.stepSeconds),
    timeoutSeconds: options.stepSeconds + 8,
    onStarted: (pid) => {
      uacPid = pid;
    },
  });
  await delay(SETTLE_MS);
  let probe: LatencyProbe;
  try {
    probe = await LatencyProbe.connect(context.probeTarget);
  } catch (error) {
    await uacRun.catch(() => undefined);
    throw error;
  }
  const groups = {
    proxy: context.proxy.cpuPids(),
    sipp: [context.uas().process.pid, ...(uacPid === undefined ? [] : [uacPid])],
    stunnel: context.tunnels.map((t) => t.pid),
    probe: [process.pid],
  };
  const before = context.sampler.snapshot(Object.values(groups).flat());
  probe.start(options.probeRate);
  await delay(options.stepSeconds * 1000 - 2 * SETTLE_MS);
  const after = context.sampler.snapshot(Object.values(groups).flat());
  const [probeResult, uac] = await Promise.all([probe.finish(), uacRun]);
  const outcome = judge(rate, uac, probeResult, context.sampler.usage(before, after, groups));
  const died = context.proxy.exitReport() ?? (context.uas().process.running ? undefined : UAS_EXITED);
  return died === undefined
    ? outcome
    : { ...outcome, ok: false, verdict: `${outcome.verdict === 'ok' ? '' : `${outcome.verdict}; `}${died}` };
}

function judge(rate: number, uac: SippUacRun, probe: ProbeResult, cpu: CpuUsage): StepOutcome {
  // A 503 is an answer the scenario expects, yet for the ladder it is a request not relayed: it fails the step.
  const failures = uac.failed + uac.shed + uac.unfinished + probe.rejected + probe.unanswered;
  const failureRatio = failures / Math.max(1, uac.calls + probe.sent);
  const reasons: string[] = [];
  if (failureRatio > MAX_FAILURE_RATIO)
    reasons.push(`${(failureRatio * 100).toFixed(2)} % failed${describeFailures(uac, probe)}`);
  if (uac.achievedRate < MIN_ACHIEVED_FRACTION * rate) reasons.push(`only ${Math.round(uac.achievedRate)}/s achieved`);
  if (probe.p99Ms === undefined) reasons.push('no probe answered');
  else if (probe.p99Ms > MAX_P99_MS) reasons.push(`p99 ${probe.p99Ms.toFixed(1)} ms`);
  return {
    rate,
    ok: reasons.length === 0,
    verdict: reasons.length === 0 ? 'ok' : reasons.join('; '),
    uac,
    probe,
    failureRatio,
    cpu,
  };
}

function describeFailures(uac: SippUacRun, probe: ProbeResult): string {
  const parts = Object.entries(uac.failureReasons).map(([name, count]) => `${name} ${count}`);
  if (uac.shed > 0) parts.push(`503 ${uac.shed}`);
  if (uac.unfinished > 0) parts.push(`unfinished ${uac.unfinished}`);
  if (probe.unanswered + probe.rejected > 0)
    parts.push(`probe ${probe.unanswered} unanswered, ${probe.rejected} rejected`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

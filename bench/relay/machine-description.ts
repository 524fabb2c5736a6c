// The machine and the peers' versions, printed at the top of every run so figures travel with the
// machine they came from; plus how busy the machine was before the run started (other programs).

import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuSampler } from './cpu-sampler.js';
import { toolVersion } from './debian-peers.js';

export interface MachineDescription {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly sipp: string;
  readonly kamailio: string;
  readonly stunnel: string;
  /** Percent of the machine busy during a quiet second before the run. */
  readonly idleLoadPercent: number;
}

export async function describeMachine(): Promise<MachineDescription> {
  const cpus = os.cpus();
  const sampler = new CpuSampler();
  const before = sampler.snapshot([]);
  await sleep(1000);
  const idleLoad = sampler.usage(before, sampler.snapshot([]), {});
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'}${(cpus[0]?.speed ?? 0) > 0 ? ` @ ${cpus[0]!.speed} MHz` : ''}`,
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    sipp: toolVersion('sipp', ['-v'], /SIPp v\S+/),
    kamailio: toolVersion('kamailio', ['-v'], /kamailio \S+/),
    stunnel: `${toolVersion('stunnel4', ['-version'], /stunnel \S+/)} (${toolVersion('stunnel4', ['-version'], /Running\s+with OpenSSL \S+/).replace(/^Running\s+with /, '')})`,
    idleLoadPercent: idleLoad.machineBusy,
  };
}

/**
 * The machine is shared (other programs, other test runs): before each proxy's run, wait until it has
 * been nearly idle for a moment, at most `maxWaitMs`. Resolves to the busy percent last measured.
 */
export async function waitForQuietMachine(options: {
  thresholdPercent: number;
  windowMs: number;
  maxWaitMs: number;
}): Promise<number> {
  const sampler = new CpuSampler();
  const deadline = Date.now() + options.maxWaitMs;
  for (;;) {
    const before = sampler.snapshot([]);
    await sleep(options.windowMs);
    const busy = sampler.usage(before, sampler.snapshot([]), {}).machineBusy;
    if (busy <= options.thresholdPercent || Date.now() >= deadline) return busy;
  }
}

export function formatMachine(machine: MachineDescription): string[] {
  return [
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.kernel}`,
    `software: Node ${machine.node}, ${machine.sipp}, ${machine.kamailio}, ${machine.stunnel}`,
    `machine busy before the run: ${machine.idleLoadPercent.toFixed(0)} % (other programs; figures are only comparable when this is near 0)`,
  ];
}

// What every proxy under test offers the benchmark, whatever it is: where the UAC side connects, which
// processes' CPU is its own, and how to stop it. The launchers are in files of their own.

import type { BenchCertificates } from './bench-certificates.js';
import type { ManagedProcess, ProcessSupervisor } from './managed-process.js';
import type { BenchPorts, ProxyName, Transport } from './relay-bench-options.js';

export interface LaunchContext {
  readonly transport: Transport;
  readonly ports: BenchPorts;
  /** Present for the TLS run. */
  readonly certificates: BenchCertificates | undefined;
  readonly supervisor: ProcessSupervisor;
  readonly workDir: string;
  readonly repoRoot: string;
  /** simple-edge only: write a V8 CPU profile here when it stops. */
  readonly cpuProfileDir: string | undefined;
}

export interface RunningProxy {
  readonly name: ProxyName;
  /** One line for the report: version, allocator, workers, whatever the figures depend on. */
  readonly description: string;
  /** Where the UAC side connects: the proxy's TCP listener, or its TLS listener for the TLS run. */
  readonly entryPort: number;
  /** The PIDs whose CPU counts as the proxy's, read afresh before each step (Kamailio forks workers). */
  cpuPids(): number[];
  /** Undefined while the proxy runs; once it has died, what it said last. */
  exitReport(): string | undefined;
  stop(): Promise<void>;
}

export type ProxyLauncher = (context: LaunchContext) => Promise<RunningProxy>;

/** Where a proxy relays to: the SIPp UAS over TCP, or stunnel in front of it over TLS. */
export function uasNextHop(context: LaunchContext): { readonly port: number; readonly transport: Transport } {
  return context.transport === 'tls'
    ? { port: context.ports.uasTls, transport: 'tls' }
    : { port: context.ports.uasTcp, transport: 'tcp' };
}

export function requireCertificates(context: LaunchContext): BenchCertificates {
  if (context.certificates === undefined) throw new Error('the TLS run needs the bench certificates');
  return context.certificates;
}

/** The generator's own ceiling: the UAC talks to the UAS (through the same stunnel pair for TLS). */
export const launchDirect: ProxyLauncher = async (context) => ({
  name: 'direct',
  description: 'SIPp UAC → SIPp UAS, no proxy',
  entryPort: uasNextHop(context).port,
  cpuPids: () => [],
  exitReport: () => undefined,
  stop: async () => undefined,
});

/** The proxy process died during the run: say so, with the end of its log (a crash's stack trace). */
export function exitReportOf(process: ManagedProcess): string | undefined {
  if (process.running) return undefined;
  return `${process.name} EXITED during the step; the end of its log:\n${process.logTail(25).replace(/^/gm, '      ')}`;
}

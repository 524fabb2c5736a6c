// The processes around one proxy for one transport, started in dependency order and stopped in
// reverse: the SIPp UAS (kept for the whole ladder, so the proxy's connection to it stays up), for
// TLS the stunnel in front of it, the proxy, and for TLS the stunnel in front of the UAC.

import type { BenchCertificates } from './bench-certificates.js';
import type { CpuSampler } from './cpu-sampler.js';
import { requirePortsFree, type ManagedProcess, type ProcessSupervisor } from './managed-process.js';
import type { ProxyLauncher, RunningProxy } from './proxy-launcher.js';
import type { RelayBenchOptions, Transport } from './relay-bench-options.js';
import type { ProxyRun } from './relay-report.js';
import type { StepContext } from './relay-step.js';
import { startSippUas, type SippUas } from './sipp-runner.js';
import { startStunnel } from './stunnel-runner.js';

/** What the whole run shares. */
export interface Bench {
  readonly options: RelayBenchOptions;
  readonly repoRoot: string;
  readonly workDir: string;
  readonly supervisor: ProcessSupervisor;
  readonly sampler: CpuSampler;
  readonly certificates: BenchCertificates | undefined;
  readonly scenarios: { readonly uac: string; readonly uas: string };
  readonly runs: ProxyRun[];
  /** Numbers the steps, so every SIPp statistics file and log has a name of its own. */
  stepSerial: number;
  readonly profileLines: string[];
}

export class Topology {
  readonly #bench: Bench;
  readonly #transport: Transport;
  readonly #tunnels: ManagedProcess[] = [];
  #uas: SippUas | undefined;
  #proxy: RunningProxy | undefined;

  constructor(bench: Bench, transport: Transport) {
    this.#bench = bench;
    this.#transport = transport;
  }

  get proxy(): RunningProxy | undefined {
    return this.#proxy;
  }

  async start(launch: ProxyLauncher, cpuProfileDir: string | undefined): Promise<RunningProxy> {
    const { options, supervisor, workDir, certificates } = this.#bench;
    const ports = options.ports;
    const transport = this.#transport;
    await requirePortsFree([
      ports.proxyTcp,
      ports.proxyTls,
      ports.edgeSecond,
      ports.edgeAdmin,
      ports.uasTcp,
      ports.uasTls,
      ports.uacStunnel,
    ]);
    this.#uas = await this.#startUas();
    const tls = transport === 'tls' ? certificates : undefined;
    if (tls !== undefined) {
      this.#tunnels.push(
        await startStunnel({
          supervisor,
          workDir,
          name: 'uas-side',
          role: 'server',
          acceptPort: ports.uasTls,
          connectPort: ports.uasTcp,
          cert: tls.uasTunnel.cert,
          key: tls.uasTunnel.key,
          ca: tls.ca,
        }),
      );
    }
    this.#proxy = await launch({
      transport,
      ports,
      certificates,
      supervisor,
      workDir,
      repoRoot: this.#bench.repoRoot,
      cpuProfileDir,
    });
    if (tls !== undefined) {
      this.#tunnels.push(
        await startStunnel({
          supervisor,
          workDir,
          name: 'uac-side',
          role: 'client',
          acceptPort: ports.uacStunnel,
          connectPort: this.#proxy.entryPort,
          cert: tls.uacTunnel.cert,
          key: tls.uacTunnel.key,
          ca: tls.ca,
        }),
      );
    }
    return this.#proxy;
  }

  /**
   * SIPp's UAS exits when its connection breaks (a proxy that gave up on a UAS not reading fast
   * enough): start a new one before the next step. Says so when it did.
   */
  async ensureUas(): Promise<string | undefined> {
    if (this.#uas === undefined || this.#uas.process.running) return undefined;
    this.#uas = await this.#startUas();
    return 'the SIPp UAS had exited; a new one was started';
  }

  #startUas(): Promise<SippUas> {
    const { options, supervisor, workDir, scenarios } = this.#bench;
    const ports = options.ports;
    return startSippUas({
      supervisor,
      workDir,
      scenario: scenarios.uas,
      label: this.#transport,
      port: ports.uasTcp,
      controlPort: ports.uasControl,
      mediaPort: ports.uasMedia,
      // Every rung, the refinement steps, the step at half the edge's maximum and the overload leg.
      timeoutSeconds: (options.ladder.length + 7) * (options.stepSeconds + 15),
    });
  }

  /** What each step needs: the UAC's way in (stunnel for TLS), the probe's (the proxy itself). */
  stepContext(): StepContext {
    const { options, supervisor, workDir, certificates, sampler, scenarios } = this.#bench;
    if (this.#proxy === undefined || this.#uas === undefined) throw new Error('the topology is not started');
    const transport = this.#transport;
    return {
      options,
      transport,
      proxy: this.#proxy,
      supervisor,
      workDir,
      uacScenario: scenarios.uac,
      uas: () => this.#uas!,
      sampler,
      tunnels: [...this.#tunnels],
      uacPort: transport === 'tls' ? options.ports.uacStunnel : this.#proxy.entryPort,
      probeTarget: {
        port: this.#proxy.entryPort,
        transport,
        ...(transport === 'tls' && certificates !== undefined ? { tls: certificates.probeTls } : {}),
      },
    };
  }

  async stop(): Promise<void> {
    for (const tunnel of this.#tunnels.splice(0).reverse()) await tunnel.stop();
    await this.#proxy?.stop();
    await this.#uas?.stop();
  }
}

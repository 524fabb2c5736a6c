// The loopback topologies of the SIPp integration tests: a SIPp UAC, the edge, and a SIPp UAS, with
// stunnel wherever a leg is TLS (Debian builds SIPp without TLS).
//
//   udp / tcp                     UAC ──udp|tcp──▶ edge internal ──udp|tcp──▶ UAS (registrar/presence)
//   internal-tcp-to-external-tls  UAC ──tcp──▶ edge internal ══tls══▶ stunnel server ──tcp──▶ UAS (b.example.net)
//   external-tls-to-internal-tcp  UAC ──tcp──▶ stunnel client ══tls══▶ edge external ──tcp──▶ UAS (a.example.com)
//                                 and, for requests towards the UAC: edge ══tls══▶ stunnel server ──tcp──▶ UAC
//
// Each user agent's Contact names the address the edge must use to reach it (the stunnel server in
// front of it when that leg is TLS), so requests inside the dialog cross the same border.

import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import type { Edge } from '../../src/edge.js';
import { createLogger } from '../../src/observability/logger.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  LOCAL_DOMAIN,
  LOOPBACK,
  PEER_DOMAIN,
  startEdge,
  stopEdge,
  type CertificateFiles,
  type PortAllocator,
  type TargetSpec,
} from './edge-harness.js';
import { runSippPair, SIPP_PORT_BLOCK, type SippOptions, type SippPair, type SippProcess } from './sipp.js';
import { StunnelProcess, type StunnelService } from './stunnel.js';

export type Topology = 'udp' | 'tcp' | 'internal-tcp-to-external-tls' | 'external-tls-to-internal-tcp';
export type ScenarioName = 'message' | 'options' | 'subscribe' | 'invite-im';

export interface RelayOptions {
  readonly scenario: ScenarioName;
  readonly topology: Topology;
  readonly calls: number;
  /** Calls started per second. */
  readonly rate?: number;
  /** SIPp -lost on both user agents (UDP only). */
  readonly lostPercent?: number;
  /** SIPp -d: how long each user agent stays to answer retransmissions after its last message. */
  readonly lingerMs?: number;
  readonly timeoutS?: number;
}

export interface EdgePorts {
  /** The internal UDP and TCP listeners share this port number. */
  readonly internal: number;
  readonly externalTls: number;
}

export interface RelayResult extends SippPair {
  readonly edge: EdgePorts;
}

/** One per test file: owns everything it starts, and `cleanup()` stops it all within a bound. */
export class SippRelayLab {
  readonly #ports: PortAllocator;
  readonly #certificates: CertificateFiles;
  readonly #workDir: string;
  readonly #sipps = new Set<SippProcess>();
  readonly #edges = new Set<Edge>();
  readonly #stunnels = new Set<StunnelProcess>();

  constructor(options: { ports: PortAllocator; certificates: CertificateFiles; workDir: string }) {
    this.#ports = options.ports;
    this.#certificates = options.certificates;
    this.#workDir = options.workDir;
  }

  /** The edge and whatever stunnel the topology needs, then a UAS and a UAC run to completion. */
  async relay(options: RelayOptions): Promise<RelayResult> {
    const logDir = mkdtempSync(path.join(this.#workDir, `${options.scenario}-${options.topology}-`));
    const uasPort = this.#ports.take(SIPP_PORT_BLOCK);
    const uacPort = this.#ports.take(SIPP_PORT_BLOCK);
    const edgeBase = this.#ports.take(3);
    const edgePorts: EdgePorts = { internal: edgeBase, externalTls: edgeBase + 1 };
    const stunnelPorts = { server: this.#ports.take(1), client: this.#ports.take(1) };
    const plan = planTopology(options.topology, { uasPort, uacPort, edge: edgePorts, stunnel: stunnelPorts });

    const started: { edge?: Edge; stunnel?: StunnelProcess } = {};
    try {
      if (plan.stunnel.length > 0) {
        const peer = this.#certificates.byDomain[PEER_DOMAIN]!;
        started.stunnel = await StunnelProcess.start({
          name: 'stunnel',
          services: plan.stunnel,
          cert: peer.cert,
          key: peer.key,
          ca: this.#certificates.ca,
          workDir: logDir,
        });
        this.#stunnels.add(started.stunnel);
      }
      started.edge = await this.#startEdge(plan, edgePorts, edgeBase + 2);
      this.#edges.add(started.edge);
      const result = await runSippPair(this.#userAgents(options, plan, { uasPort, uacPort, logDir }), this.#sipps);
      return { ...result, edge: edgePorts };
    } finally {
      // Each run stops what it started, so runs may go side by side; cleanup() catches what a timeout left.
      if (started.edge !== undefined) await stopEdge(started.edge).finally(() => this.#edges.delete(started.edge!));
      if (started.stunnel !== undefined)
        await started.stunnel.stop().finally(() => this.#stunnels.delete(started.stunnel!));
    }
  }

  #startEdge(plan: TopologyPlan, edgePorts: EdgePorts, adminPort: number): Promise<Edge> {
    const level = process.env.SIMPLE_EDGE_TEST_LOG;
    return startEdge({
      yaml: edgeConfigYaml({
        internal: [
          { transport: 'udp', port: edgePorts.internal },
          { transport: 'tcp', port: edgePorts.internal },
        ],
        external: [{ transport: 'tls', port: edgePorts.externalTls }],
        registrar: plan.internalTargets,
        presence: plan.internalTargets,
        peer: plan.peerTargets,
        adminPort,
      }),
      tls: edgeTlsOptions(this.#certificates),
      // SIMPLE_EDGE_TEST_LOG=debug prints the edge's own log lines, for diagnosing a failed run.
      ...(level === undefined ? {} : { logger: createLogger({ level }) }),
    });
  }

  #userAgents(
    options: RelayOptions,
    plan: TopologyPlan,
    where: { uasPort: number; uacPort: number; logDir: string },
  ): { uas: SippOptions; uac: SippOptions; uasLingerMs: number } {
    const lossy = (options.lostPercent ?? 0) > 0;
    // Under loss each user agent stays long enough for Timer E retransmissions (T2 = 4 s apart) to
    // get a lost final response repeated several times.
    const pauseMs = options.lingerMs ?? (lossy ? 20_000 : 0);
    const common = {
      calls: options.calls,
      timeoutS: options.timeoutS ?? (lossy ? 60 : 30),
      logDir: where.logDir,
      pauseMs,
      ...(options.lostPercent === undefined ? {} : { lostPercent: options.lostPercent }),
    };
    const domains = { target_domain: plan.targetDomain, origin_domain: plan.originDomain };
    return {
      uas: {
        ...common,
        name: `uas-${options.scenario}`,
        scenario: `uas-${options.scenario}.xml`,
        transport: plan.uas.transport,
        basePort: where.uasPort,
        keys: { ...plan.uas.keys, ...domains },
      },
      uac: {
        ...common,
        name: `uac-${options.scenario}`,
        scenario: `uac-${options.scenario}.xml`,
        transport: plan.uac.transport,
        basePort: where.uacPort,
        remote: plan.uac.remote,
        rate: options.rate ?? 20,
        maxConcurrent: 50,
        keys: { ...plan.uac.keys, ...domains },
      },
      uasLingerMs: pauseMs + 8_000,
    };
  }

  /** Stops every SIPp, stunnel and edge this lab started (SIPp and stunnel by PID). */
  async cleanup(): Promise<void> {
    const sipps = [...this.#sipps];
    this.#sipps.clear();
    const stunnels = [...this.#stunnels];
    const edges = [...this.#edges];
    this.#stunnels.clear();
    this.#edges.clear();
    const results = await Promise.allSettled([
      ...sipps.map((s) => s.stop()),
      ...stunnels.map((s) => s.stop()),
      ...edges.map((e) => stopEdge(e)),
    ]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }
}

interface UserAgentPlan {
  readonly transport: 'udp' | 'tcp';
  readonly keys: Readonly<Record<string, string>>;
}

interface TopologyPlan {
  readonly targetDomain: string;
  readonly originDomain: string;
  readonly internalTargets?: readonly TargetSpec[];
  readonly peerTargets?: readonly TargetSpec[];
  readonly stunnel: readonly StunnelService[];
  readonly uas: UserAgentPlan;
  readonly uac: UserAgentPlan & { readonly remote: string };
}

function userAgent(
  transport: 'udp' | 'tcp',
  user: string,
  contact: { port: number; transport: 'udp' | 'tcp' | 'tls' },
): UserAgentPlan {
  return {
    transport,
    keys: {
      // The Via names the transport the edge sees, TLS when stunnel carries the leg.
      via_transport: contact.transport.toUpperCase(),
      contact: `sip:${user}@${LOOPBACK}:${contact.port};transport=${contact.transport}`,
    },
  };
}

function planTopology(
  topology: Topology,
  ports: {
    uasPort: number;
    uacPort: number;
    edge: EdgePorts;
    stunnel: { server: number; client: number };
  },
): TopologyPlan {
  const { uasPort, uacPort, edge, stunnel } = ports;
  switch (topology) {
    case 'udp':
    case 'tcp':
      return {
        targetDomain: LOCAL_DOMAIN,
        originDomain: LOCAL_DOMAIN,
        stunnel: [],
        internalTargets: [{ port: uasPort, transport: topology }],
        uas: userAgent(topology, 'bob', { port: uasPort, transport: topology }),
        uac: {
          ...userAgent(topology, 'alice', { port: uacPort, transport: topology }),
          remote: `${LOOPBACK}:${edge.internal}`,
        },
      };
    case 'internal-tcp-to-external-tls':
      return {
        targetDomain: PEER_DOMAIN,
        originDomain: LOCAL_DOMAIN,
        peerTargets: [{ port: stunnel.server, transport: 'tls' }],
        stunnel: [{ name: 'peer-edge-in', mode: 'server', acceptPort: stunnel.server, connectPort: uasPort }],
        uas: userAgent('tcp', 'bob', { port: stunnel.server, transport: 'tls' }),
        uac: {
          ...userAgent('tcp', 'alice', { port: uacPort, transport: 'tcp' }),
          remote: `${LOOPBACK}:${edge.internal}`,
        },
      };
    case 'external-tls-to-internal-tcp':
      return {
        targetDomain: LOCAL_DOMAIN,
        originDomain: PEER_DOMAIN,
        internalTargets: [{ port: uasPort, transport: 'tcp' }],
        stunnel: [
          {
            name: 'peer-edge-out',
            mode: 'client',
            acceptPort: stunnel.client,
            connectPort: edge.externalTls,
            checkHost: LOCAL_DOMAIN,
          },
          { name: 'peer-edge-in', mode: 'server', acceptPort: stunnel.server, connectPort: uacPort },
        ],
        uas: userAgent('tcp', 'bob', { port: uasPort, transport: 'tcp' }),
        uac: {
          ...userAgent('tcp', 'alice', { port: stunnel.server, transport: 'tls' }),
          remote: `${LOOPBACK}:${stunnel.client}`,
        },
      };
  }
}

/** The header lines (start line first) of every message a SIPp received, in order, from its -trace_msg log. */
export function receivedHeads(messageLog: string): string[][] {
  const heads: string[][] = [];
  for (const block of messageLog.split(/^-{20,}.*$/m)) {
    const received = /message received[^\n]*\n\s*\n([\s\S]*?)\r?\n\r?\n/.exec(block);
    if (received?.[1] !== undefined) heads.push(received[1].split(/\r?\n/));
  }
  return heads;
}

/** The Record-Route values (topmost first) of the first `method` request a SIPp received: what the edge inserted. */
export function recordRouteSeen(messageLog: string, method: string): string[] | undefined {
  const head = receivedHeads(messageLog).find((lines) => lines[0]?.startsWith(`${method} `));
  return head
    ?.filter((line) => /^Record-Route\s*:/i.test(line))
    .flatMap((line) => line.slice(line.indexOf(':') + 1).split(','))
    .map((value) => value.trim());
}

/** How many received messages start with `startLine` and carry CSeq method `method`. */
export function countReceived(messageLog: string, startLine: RegExp, method: string): number {
  const cseq = new RegExp(`^CSeq\\s*:\\s*\\d+\\s+${method}\\s*$`, 'i');
  return receivedHeads(messageLog).filter(
    (lines) => startLine.test(lines[0] ?? '') && lines.some((line) => cseq.test(line)),
  ).length;
}

/** SIPp's count of successful calls, from the statistics screen it prints on exit. */
export function successfulCalls(screen: string): number | undefined {
  const matches = [...screen.matchAll(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/g)];
  const last = matches.at(-1);
  return last === undefined ? undefined : Number(last[1]);
}

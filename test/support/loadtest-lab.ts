// The loopback topology of the loadtest integration tests: a real simple-edge started in-process,
// whose internal registrar and presence server and whose static route to the peer b.example.net
// all point at the load tester's own far-side listeners, so every request that crosses the edge is
// answered by the tool that sent it.
//
//   loadtest peer flows ══mutual TLS══▶ edge external ──tcp──▶ loadtest community listener
//   loadtest community flow ──tcp──▶ edge internal ══TLS══▶ loadtest peer listener (b.example.net)

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Edge } from '../../src/edge.js';
import type { PeerIdentity } from '../../src/loadtest/far-side.js';
import { parseScenarioFile } from '../../src/loadtest/scenario-file.js';
import type { ScenarioFile } from '../../src/loadtest/scenario-schema.js';
import {
  edgeTlsOptions,
  LOCAL_DOMAIN,
  LOOPBACK,
  makeCertificates,
  PEER_DOMAIN,
  PortAllocator,
  startEdge,
  stopEdge,
  type CertificateFiles,
} from './edge-harness.js';

export interface LoadtestPorts {
  readonly internal: number;
  readonly external: number;
  readonly admin: number;
  readonly community: number;
  readonly peer: number;
}

export class LoadtestLab {
  readonly ports: LoadtestPorts;
  readonly certificates: CertificateFiles;
  readonly peerIdentity: PeerIdentity;
  #edge: Edge | undefined;

  constructor(workDir: string) {
    const first = new PortAllocator().take(5);
    this.ports = { internal: first, external: first + 1, admin: first + 2, community: first + 3, peer: first + 4 };
    this.certificates = makeCertificates(path.join(workDir, 'certs'));
    const peer = this.certificates.byDomain[PEER_DOMAIN]!;
    this.peerIdentity = {
      cert: readFileSync(peer.cert),
      key: readFileSync(peer.key),
      ca: readFileSync(this.certificates.ca),
    };
  }

  /** The edge's configuration, `policy` and `limits` merged over a lab with generous defaults. */
  edgeYaml(options: { policy?: Record<string, unknown>; limits?: Record<string, unknown> }): string {
    const community = [{ host: LOOPBACK, port: this.ports.community, transport: 'tcp' }];
    return stringify({
      domains: [LOCAL_DOMAIN],
      listen: {
        internal: [{ transport: 'tcp', address: LOOPBACK, port: this.ports.internal }],
        external: [{ transport: 'tls', address: LOOPBACK, port: this.ports.external }],
      },
      internal: { registrar: community, presence: community },
      routes: [{ domain: PEER_DOMAIN, targets: [{ host: LOOPBACK, port: this.ports.peer, transport: 'tls' }] }],
      state: { backend: 'memory' },
      admin: { listen: `${LOOPBACK}:${this.ports.admin}` },
      log: { level: process.env.SIMPLE_EDGE_TEST_LOG ?? 'warn' },
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.policy === undefined ? {} : { policy: options.policy }),
    });
  }

  async startEdge(options: { policy?: Record<string, unknown>; limits?: Record<string, unknown> } = {}): Promise<Edge> {
    await this.stopEdge();
    this.#edge = await startEdge({ yaml: this.edgeYaml(options), tls: edgeTlsOptions(this.certificates) });
    return this.#edge;
  }

  async stopEdge(): Promise<void> {
    if (this.#edge !== undefined) await stopEdge(this.#edge);
    this.#edge = undefined;
  }

  /** A scenario file aimed at this lab's edge and far sides; `body` supplies the mix and settings. */
  scenarioFile(body: Record<string, unknown>): ScenarioFile {
    const parsed = parseScenarioFile(stringify(this.scenarioObject(body)));
    if (!parsed.ok) throw new Error(`scenario file invalid: ${parsed.problems.join('; ')}`);
    return parsed.file;
  }

  scenarioObject(body: Record<string, unknown>): Record<string, unknown> {
    return {
      target: {
        external: { host: LOOPBACK, port: this.ports.external },
        internal: { host: LOOPBACK, port: this.ports.internal },
        localDomain: LOCAL_DOMAIN,
        peerDomain: PEER_DOMAIN,
      },
      listen: {
        community: { host: LOOPBACK, port: this.ports.community },
        peer: { host: LOOPBACK, port: this.ports.peer },
      },
      ...body,
    };
  }
}

// The border under attack: a real `simple-edge start` process alone in a network namespace, and on
// the test's side of the link everything it may legitimately talk to — its softphones, one
// registered community user, the allowed peer b.example.net's mutual-TLS edge, and bind9 as its
// configured resolver — while tcpdump inside the namespace records every packet the edge sends.
//
//   softphones ─udp/tcp─▶ edge internal 5060 ═tls═▶ peer edge (b.example.net, answers 200)
//   peer client ══tls══▶ edge external 5061 ─udp─▶ alice's phone (registered contact)
//   edge ─dns─▶ bind9 (b.example.net, cleartext.example.net, e164.arpa)   admin 8080: /metrics
//   the plain SIP records of both peers ─▶ plaintext trap (notes what arrives, never answers)

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startBind9, type Bind9 } from '../support/bind9.js';
import { LOCAL_DOMAIN, makeCertificates, PEER_DOMAIN, type CertificateFiles } from '../support/edge-harness.js';
import { EdgeProcess, ensureBuilt } from '../support/edge-process.js';
import { CommunityPhone } from './community-phone.js';
import { EgressCapture, type EgressPacket } from './egress-capture.js';
import { NetworkNamespace } from './network-namespace.js';
import { PeerClient, PeerEdge, type PeerCredentials } from './peer-edge.js';
import { PlaintextTrap } from './plaintext-trap.js';

export const EDGE_PORTS = { internal: 5060, external: 5061, admin: 8080 } as const;
/** Community users; alice registers a contact, carol exists without one. */
export const USERS = { registered: 'alice', unregistered: 'carol', password: 'secret-of-the-lab' } as const;
/** An allowed peer whose DNS lists only plain SIP: the border has no way to reach it that it may use. */
export const CLEARTEXT_PEER_DOMAIN = 'cleartext.example.net';

/** One line of the audit log (X1), as far as the tests read it. */
export interface AuditLine {
  readonly callId: string;
  readonly direction: string;
  readonly peer: string;
  readonly status: number;
  readonly [field: string]: unknown;
}

export interface LabRecord {
  readonly packets: readonly EgressPacket[];
  readonly audit: readonly AuditLine[];
  readonly edgeOutput: string;
}

export class BorderLab {
  readonly ns: NetworkNamespace;
  readonly peer: PeerEdge;
  readonly trap: PlaintextTrap;
  readonly phone: CommunityPhone;
  readonly bind9: Bind9;
  readonly #edge: EdgeProcess;
  readonly #capture: EgressCapture;
  readonly #workDir: string;
  readonly #peerCredentials: PeerCredentials;

  private constructor(parts: {
    ns: NetworkNamespace;
    peer: PeerEdge;
    trap: PlaintextTrap;
    phone: CommunityPhone;
    bind9: Bind9;
    edge: EdgeProcess;
    capture: EgressCapture;
    workDir: string;
    peerCredentials: PeerCredentials;
  }) {
    this.ns = parts.ns;
    this.peer = parts.peer;
    this.trap = parts.trap;
    this.phone = parts.phone;
    this.bind9 = parts.bind9;
    this.#edge = parts.edge;
    this.#capture = parts.capture;
    this.#workDir = parts.workDir;
    this.#peerCredentials = parts.peerCredentials;
  }

  /** `community`: settings merged into the edge's `community` section (I4 topology hiding, say). */
  static async start(name: string, options: { community?: Record<string, unknown> } = {}): Promise<BorderLab> {
    await ensureBuilt();
    const workDir = mkdtempSync(path.join(tmpdir(), `simple-edge-${name}-`));
    const ns = await NetworkNamespace.create();
    const started: Array<() => Promise<void> | void> = [() => ns.destroy()];
    try {
      const certificates = makeCertificates(path.join(workDir, 'certs'));
      const peerCredentials = credentialsOf(certificates, PEER_DOMAIN);
      const peer = await PeerEdge.listen(ns.worldAddress, peerCredentials);
      started.push(() => peer.close());
      const trap = await PlaintextTrap.open(ns.worldAddress);
      started.push(() => trap.close());
      const bind9 = await startBind9({
        address: ns.worldAddress,
        fixtureDir: 'test/fixtures/adversarial-dns',
        zones: [PEER_DOMAIN, CLEARTEXT_PEER_DOMAIN, 'e164.arpa'],
        substitutions: {
          WORLD: ns.worldAddress,
          PEER_PORT: String(peer.port),
          TRAP_TCP_PORT: String(trap.ports.tcp),
          TRAP_UDP_PORT: String(trap.ports.udp),
        },
      });
      started.push(() => bind9.stop());
      writeFileSync(
        path.join(workDir, 'users.yaml'),
        stringify({
          users: [USERS.registered, USERS.unregistered].map((user) => ({
            address: `${user}@${LOCAL_DOMAIN}`,
            password: USERS.password,
          })),
        }),
      );
      writeFileSync(
        path.join(workDir, 'edge.yaml'),
        stringify(edgeConfig({ ns, certificates, resolver: bind9.resolver, workDir, community: options.community })),
      );
      // The capture starts first, so even what the edge sends while starting is seen.
      const capture = await EgressCapture.start(ns, path.join(workDir, 'egress.pcap'));
      started.push(async () => void (await capture.stop()));
      const edge = await EdgeProcess.start({ cwd: workDir, configFile: 'edge.yaml', listeners: 3, netns: ns.name });
      started.push(async () => void (await edge.kill('SIGKILL')));
      const phone = await CommunityPhone.open(ns.worldAddress);
      started.push(() => phone.close());
      await phone.register({
        user: USERS.registered,
        domain: LOCAL_DOMAIN,
        password: USERS.password,
        edge: { address: ns.edgeAddress, port: EDGE_PORTS.internal },
      });
      return new BorderLab({ ns, peer, trap, phone, bind9, edge, capture, workDir, peerCredentials });
    } catch (error) {
      for (const stop of started.reverse()) await Promise.resolve(stop()).catch(() => undefined);
      throw error;
    }
  }

  get edgeInternal(): { address: string; port: number } {
    return { address: this.ns.edgeAddress, port: EDGE_PORTS.internal };
  }

  /** The text of the admin listener's Prometheus scrape (O3). */
  async metrics(): Promise<string> {
    return (await fetch(`http://${this.ns.edgeAddress}:${EDGE_PORTS.admin}/metrics`)).text();
  }

  /** A mutual-TLS connection to the edge's external listener, authenticated as b.example.net. */
  connectAsPeer(): Promise<PeerClient> {
    return PeerClient.connect({
      host: this.ns.edgeAddress,
      port: EDGE_PORTS.external,
      credentials: this.#peerCredentials,
      arrived: this.peer.arrived,
    });
  }

  /**
   * Stops the edge gracefully (so the audit log is flushed), then the capture; returns what the edge
   * sent and wrote. Call once, then cleanup().
   */
  async finish(): Promise<LabRecord> {
    await this.#edge.kill('SIGTERM');
    const packets = await this.#capture.stop();
    const directory = path.join(this.#workDir, 'audit');
    const files = (() => {
      try {
        return readdirSync(directory);
      } catch {
        return [];
      }
    })();
    const audit = files
      .flatMap((file) =>
        readFileSync(path.join(directory, file), 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      )
      .map((line) => JSON.parse(line) as AuditLine);
    return { packets, audit, edgeOutput: this.#edge.output };
  }

  async cleanup(): Promise<void> {
    await this.#edge.kill('SIGKILL');
    await this.#capture.stop().catch(() => undefined);
    this.phone.close();
    await this.peer.close();
    await this.trap.close();
    await this.bind9.stop();
    await this.ns.destroy();
    if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined) rmSync(this.#workDir, { recursive: true, force: true });
  }
}

/** The edge's own log lines about one Call-ID, shortened to what a failure message needs. */
export function edgeLogFor(record: LabRecord, callId: string): string[] {
  return record.edgeOutput
    .split('\n')
    .filter((line) => line.includes(`"${callId}"`))
    .slice(0, 4)
    .map((line) => {
      try {
        const entry = JSON.parse(line) as {
          msg?: string;
          status?: number;
          because?: string;
          err?: { message?: string } | string;
        };
        const error = typeof entry.err === 'string' ? entry.err : entry.err?.message;
        return [entry.msg, entry.status, entry.because, error].filter((part) => part !== undefined).join(' | ');
      } catch {
        return line.slice(0, 200);
      }
    });
}

function credentialsOf(certificates: CertificateFiles, domain: string): PeerCredentials {
  const files = certificates.byDomain[domain]!;
  return { cert: readFileSync(files.cert), key: readFileSync(files.key), ca: readFileSync(certificates.ca) };
}

/**
 * The edge as an operator would run it at a border: closed federation with b.example.net and
 * cleartext.example.net allowed and found through DNS (no static route), the built-in registrar and presence server, the audit
 * log in a file. Every other setting is the default an operator would get.
 */
function edgeConfig(options: {
  ns: NetworkNamespace;
  certificates: CertificateFiles;
  resolver: string;
  workDir: string;
  community?: Record<string, unknown> | undefined;
}): Record<string, unknown> {
  const own = options.certificates.byDomain[LOCAL_DOMAIN]!;
  const address = options.ns.edgeAddress;
  return {
    domains: [LOCAL_DOMAIN],
    listen: {
      internal: [
        { transport: 'udp', address, port: EDGE_PORTS.internal },
        { transport: 'tcp', address, port: EDGE_PORTS.internal },
      ],
      external: [{ transport: 'tls', address, port: EDGE_PORTS.external }],
    },
    tls: { certificates: [{ domain: LOCAL_DOMAIN, cert: own.cert, key: own.key }], ca: options.certificates.ca },
    internal: { registrar: 'builtin', presence: 'builtin' },
    community: { usersFile: path.join(options.workDir, 'users.yaml'), ...options.community },
    discovery: {
      allow: [PEER_DOMAIN, CLEARTEXT_PEER_DOMAIN],
      resolvers: [options.resolver],
      timeoutMs: 500,
      retries: 0,
    },
    state: { backend: 'memory' },
    admin: { listen: `${address}:${EDGE_PORTS.admin}` },
    audit: { enabled: true, file: path.join(options.workDir, 'audit', 'audit') },
    log: { level: 'info' },
  };
}

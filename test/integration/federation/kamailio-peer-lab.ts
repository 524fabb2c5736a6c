// Kamailio (Debian's kamailio and kamailio-tls-modules) as community B's edge, from
// test/fixtures/kamailio-peer/: mutual TLS towards simple-edge (community A), TCP towards B's user
// agents. Kamailio uses only the system resolver on port 53, so it reaches A by a static
// next hop (EDGE_URI), never through the tests' bind9. Foreground (-DD -E); stopped by SIGTERM to its
// main PID, which takes its children down with it.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireProgram } from '../../support/apt.js';
import { LOOPBACK, waitForPort } from '../../support/edge-harness.js';
import { writeTlsFiles, type CommunityTls } from './federation-lab.js';

const FIXTURE = 'test/fixtures/kamailio-peer';

export interface KamailioPeerOptions {
  /** B's own certificate (issued by B's CA) and A's CA, which it trusts. */
  readonly own: CommunityTls;
  readonly peer: CommunityTls;
  /** The peer-facing TLS port and the TCP port B's user agents use. */
  readonly tlsPort: number;
  readonly tcpPort: number;
  /** Where every request for b.example.net goes: B's users. */
  readonly userAgentPort: number;
  /** simple-edge's TLS port: the static next hop for a.example.com. */
  readonly edgePort: number;
}

export class KamailioPeerEdge {
  readonly #child: ChildProcess;
  readonly #runDir: string;
  readonly #exited: Promise<void>;
  #log = '';

  private constructor(child: ChildProcess, runDir: string) {
    this.#child = child;
    this.#runDir = runDir;
    const keep = (chunk: Buffer): void => {
      this.#log = (this.#log + chunk.toString()).slice(-40_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /** Its tls.cfg written from the template with B's files, then started and awaited on its TLS port. */
  static async start(options: KamailioPeerOptions): Promise<KamailioPeerEdge> {
    const files = writeTlsFiles(options.own, options.peer);
    const tlsConfig = path.join(files.dir, 'tls.cfg');
    writeFileSync(
      tlsConfig,
      readFileSync(path.join(FIXTURE, 'tls.cfg.template'), 'utf8')
        .replaceAll('{{CERT}}', files.cert)
        .replaceAll('{{KEY}}', files.key)
        .replaceAll('{{CA}}', files.ca),
    );
    const defines = [
      `LISTEN_TLS=tls:${LOOPBACK}:${options.tlsPort}`,
      `LISTEN_TCP=tcp:${LOOPBACK}:${options.tcpPort}`,
      `UA_URI="sip:${LOOPBACK}:${options.userAgentPort};transport=tcp"`,
      `EDGE_URI="sip:${LOOPBACK}:${options.edgePort};transport=tls"`,
      `TLS_CONFIG="${tlsConfig}"`,
    ];
    const child = spawn(
      requireProgram('kamailio'),
      ['-f', path.join(FIXTURE, 'kamailio.cfg'), '-DD', '-E', '-Y', files.dir, ...defines.flatMap((d) => ['-A', d])],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const kamailio = new KamailioPeerEdge(child, files.dir);
    try {
      await waitForPort(options.tlsPort, 'tcp', { timeoutMs: 20_000, what: 'kamailio', exited: kamailio.#exited });
    } catch (error) {
      await kamailio.stop();
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${kamailio.log}`, { cause: error });
    }
    return kamailio;
  }

  /** The end of its log, for a failing test's message. */
  get log(): string {
    return `kamailio:\n${this.#log.slice(-6_000)}`;
  }

  /** SIGTERM to the main PID, SIGKILL if it lingers; removes its run directory. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
    rmSync(this.#runDir, { recursive: true, force: true });
  }
}

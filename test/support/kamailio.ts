// Kamailio (Debian `kamailio`, `kamailio-tls-modules`) started on loopback by a test, as another
// community's edge: the fixture test/fixtures/loadtest-kamailio/kamailio-edge.cfg, its addresses as
// -A defines, a tls.cfg demanding the peer's certificate. Foreground (-DD -E); stopped by SIGTERM to
// the main PID, which takes its children down with it.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireProgram } from './apt.js';
import { waitForPort } from './edge-harness.js';

export interface KamailioOptions {
  readonly workDir: string;
  readonly tlsPort: number;
  readonly tcpPort: number;
  readonly communityPort: number;
  /** The edge's own certificate (a.example.com) and the CA that issued the peer's. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

const CONFIG = path.resolve(import.meta.dirname, '../fixtures/loadtest-kamailio/kamailio-edge.cfg');

export class KamailioProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #log = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#log = (this.#log + chunk.toString('utf8')).slice(-20_000);
    });
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** The last lines Kamailio wrote, for a failed test's message. */
  get log(): string {
    return this.#log;
  }

  static async start(options: KamailioOptions): Promise<KamailioProcess> {
    const runDir = path.join(options.workDir, 'kamailio');
    mkdirSync(runDir, { recursive: true });
    const tlsConfig = path.join(runDir, 'tls.cfg');
    writeFileSync(
      tlsConfig,
      ['server', 'client']
        .map((role) =>
          [
            `[${role}:default]`,
            'method = TLSv1.2+',
            'verify_certificate = yes',
            'require_certificate = yes',
            `certificate = ${options.cert}`,
            `private_key = ${options.key}`,
            `ca_list = ${options.ca}`,
            '',
          ].join('\n'),
        )
        .join('\n'),
    );
    const defines = [
      `LISTEN_TLS=tls:127.0.0.1:${options.tlsPort}`,
      `LISTEN_TCP=tcp:127.0.0.1:${options.tcpPort}`,
      `COMMUNITY_URI="sip:127.0.0.1:${options.communityPort};transport=tcp"`,
      `TLS_CONFIG="${tlsConfig}"`,
    ];
    const child = spawn(
      requireProgram('kamailio'),
      [
        '-f',
        CONFIG,
        '-x',
        'tlsf',
        '-m',
        '256',
        '-M',
        '16',
        '-DD',
        '-E',
        '-Y',
        runDir,
        ...defines.flatMap((d) => ['-A', d]),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const kamailio = new KamailioProcess(child);
    try {
      await waitForPort(options.tlsPort, 'tcp', { timeoutMs: 20_000, what: 'kamailio', exited: kamailio.#exited });
    } catch (error) {
      await kamailio.stop();
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${kamailio.log}`, { cause: error });
    }
    return kamailio;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

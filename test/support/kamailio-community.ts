// Kamailio (Debian `kamailio`, `kamailio-presence-modules`) as the community's internal registrar and
// presence server, from test/fixtures/kamailio/community.cfg: foreground, log on stderr, db_text in a
// temp directory, stopped by SIGTERM to its main PID (it forks children, which the main process takes down).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianPackages, requireProgram } from './apt.js';
import { LOOPBACK, waitForPort } from './edge-harness.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/kamailio/community.cfg');

export class KamailioCommunity {
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #stderr = '';

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.#stderr = (this.#stderr + chunk.toString('latin1')).slice(-20_000)),
    );
    this.#exited = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /** `domain`: the community's domain and digest realm (the fixture's default is a.example.com). */
  static async start(options: {
    port: number;
    workDir: string;
    password: string;
    domain?: string;
  }): Promise<KamailioCommunity> {
    await ensureDebianPackages(['kamailio', 'kamailio-presence-modules']);
    const dbDir = path.join(options.workDir, 'kamailio-db');
    mkdirSync(dbDir, { recursive: true });
    const child = spawn(
      requireProgram('kamailio'),
      [
        '-f',
        FIXTURE,
        '-DD',
        '-E',
        '-Y',
        dbDir,
        '-A',
        `LISTEN_UDP=udp:${LOOPBACK}:${options.port}`,
        '-A',
        `DB_URL="text://${dbDir}"`,
        '-A',
        `PASSWORD="${options.password}"`,
        ...(options.domain === undefined ? [] : ['-A', `DOMAIN="${options.domain}"`]),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const kamailio = new KamailioCommunity(child, options.port);
    await waitForPort(options.port, 'udp', { timeoutMs: 20_000, what: 'kamailio', exited: kamailio.#exited });
    return kamailio;
  }

  /** The end of its log, for a failure message. */
  get log(): string {
    return this.#stderr.slice(-6_000);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

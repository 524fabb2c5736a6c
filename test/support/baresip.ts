// baresip (Debian `baresip`), a real SIP client, driven without a terminal (its stdio module needs a
// pipe on stdin, not /dev/null): its own HOME and config directory, an account with an outbound proxy (the edge), and menu commands written to
// its stdin once its output (with the SIP trace, -s) shows what the test waits for. Stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDebianPackages, requireProgram } from './apt.js';
import { LOOPBACK } from './edge-harness.js';

export interface BaresipOptions {
  readonly name: string;
  readonly workDir: string;
  /** Its SIP port; baresip also binds the next one for TLS (keep instances two ports apart). */
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly edgePort: number;
  /** How it reaches the edge, its outbound proxy (default udp). */
  readonly edgeTransport?: 'udp' | 'tcp';
  readonly user: string;
  readonly domain: string;
  readonly password: string;
  /** The contacts it may /message; the first is selected. */
  readonly contacts: readonly string[];
  /** Subscribe to the contacts' presence (RFC 3856) and publish its own every `publishSeconds`. */
  readonly presence?: { readonly publishSeconds: number };
  /** Quit after this many seconds whatever happens (-t). */
  readonly runSeconds: number;
}

export class Baresip {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #stdout = '';
  readonly #waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];

  readonly #logFile: string;

  private constructor(child: ChildProcess, logFile: string) {
    this.#child = child;
    this.#logFile = logFile;
    child.stdout?.on('data', (chunk: Buffer) => this.#collect(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.#collect(chunk.toString('utf8')));
    this.#exited = new Promise((resolve) => child.once('close', () => resolve()));
  }

  static async start(options: BaresipOptions): Promise<Baresip> {
    await ensureDebianPackages(['baresip']);
    const dir = path.join(options.workDir, options.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'config'),
      [
        `sip_listen ${LOOPBACK}:${options.sipPort}`,
        'module_path /usr/lib/baresip/modules',
        'module stdio.so',
        'module g711.so',
        'module ausine.so',
        'module aufile.so',
        'module_app account.so',
        'module_app contact.so',
        'module_app menu.so',
        'module_app presence.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen ${LOOPBACK}:${options.ctrlPort}`,
        `dns_server ${LOOPBACK}:5300`,
        'audio_player aufile,/dev/null',
        'audio_source ausine,440',
        '',
      ].join('\n'),
    );
    const outbound = `sip:${LOOPBACK}:${options.edgePort};transport=${options.edgeTransport ?? 'udp'}`;
    const publish = options.presence === undefined ? '' : `;pubint=${options.presence.publishSeconds}`;
    writeFileSync(
      path.join(dir, 'accounts'),
      `<sip:${options.user}@${options.domain}>;auth_pass=${options.password};outbound="${outbound}";regint=600${publish}\n`,
    );
    const presence = options.presence === undefined ? '' : ';presence=p2p';
    writeFileSync(path.join(dir, 'contacts'), options.contacts.map((c) => `<${c}>${presence}\n`).join(''));
    const child = spawn(requireProgram('baresip'), ['-f', dir, '-s', '-t', String(options.runSeconds)], {
      env: { ...process.env, HOME: dir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new Baresip(child, path.join(dir, 'output.log'));
  }

  get output(): string {
    return this.#stdout;
  }

  /** Resolves once its output matches, or rejects when it exits first. */
  waitFor(pattern: RegExp): Promise<void> {
    if (pattern.test(this.#stdout)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ pattern, resolve });
      void this.#exited.then(() =>
        reject(new Error(`baresip exited before printing ${pattern}:\n${this.#stdout.slice(-3000)}`)),
      );
    });
  }

  /** A menu command, as typed (e.g. `/message hello`). */
  command(line: string): void {
    this.#child.stdin?.write(`${line}\n`);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3_000);
    await this.#exited;
    clearTimeout(timer);
  }

  #collect(text: string): void {
    this.#stdout += text;
    appendFileSync(this.#logFile, text);
    for (const waiter of [...this.#waiters]) {
      if (!waiter.pattern.test(this.#stdout)) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

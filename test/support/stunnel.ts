// stunnel (Debian `stunnel4`) puts mutual TLS in front of SIPp, whose Debian build has none.
// A server service accepts TLS from the edge and hands plain TCP to a SIPp; a client
// service accepts plain TCP from a SIPp and dials the edge over TLS. Both present a certificate and
// verify the other side's chain against the test CA.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireProgram } from './apt.js';
import { LOOPBACK, waitForPort } from './edge-harness.js';

export interface StunnelService {
  readonly name: string;
  /** server: TLS in, TCP out; client: TCP in, TLS out. */
  readonly mode: 'server' | 'client';
  readonly acceptPort: number;
  readonly connectPort: number;
  /** Client mode: the DNS name the server's certificate must carry. */
  readonly checkHost?: string;
}

export interface StunnelOptions {
  readonly name: string;
  readonly services: readonly StunnelService[];
  /** The certificate stunnel presents in both roles, its key, and the CA it trusts. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly workDir: string;
}

function serviceSection(service: StunnelService, options: StunnelOptions): string {
  return [
    `[${service.name}]`,
    `client = ${service.mode === 'client' ? 'yes' : 'no'}`,
    `accept = ${LOOPBACK}:${service.acceptPort}`,
    `connect = ${LOOPBACK}:${service.connectPort}`,
    `cert = ${options.cert}`,
    `key = ${options.key}`,
    `CAfile = ${options.ca}`,
    // Level 2: a certificate is required and its chain must lead to the CA (mutual TLS, F2).
    'verify = 2',
    'sslVersionMin = TLSv1.2',
    ...(service.checkHost === undefined ? [] : [`checkHost = ${service.checkHost}`]),
  ].join('\n');
}

export function stunnelConfig(options: StunnelOptions): string {
  return [
    'foreground = yes',
    'pid =',
    'debug = 5',
    '',
    ...options.services.map((service) => serviceSection(service, options) + '\n'),
  ].join('\n');
}

export class StunnelProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #log = '';

  private constructor(child: ChildProcess, logFile: string) {
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.#log += chunk.toString('latin1')));
    child.stderr?.on('data', (chunk: Buffer) => (this.#log += chunk.toString('latin1')));
    this.#exited = new Promise((resolve) => {
      child.once('close', (code) => {
        // Kept beside the SIPp logs of the run, for a failed test's post-mortem.
        writeFileSync(logFile, this.#log);
        resolve(code);
      });
      child.once('error', (error) => {
        this.#log += `\nspawn failed: ${error.message}`;
        resolve(-1);
      });
    });
  }

  /** Writes the configuration, starts stunnel and resolves once every service listens. */
  static async start(options: StunnelOptions): Promise<StunnelProcess> {
    const file = path.join(options.workDir, `${options.name}.conf`);
    writeFileSync(file, stunnelConfig(options));
    const child = spawn(requireProgram('stunnel4'), [file], {
      cwd: options.workDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stunnel = new StunnelProcess(child, path.join(options.workDir, `${options.name}.log`));
    try {
      for (const service of options.services) {
        await waitForPort(service.acceptPort, 'tcp', {
          timeoutMs: 5_000,
          what: `stunnel ${options.name}`,
          exited: stunnel.#exited,
        });
      }
    } catch (error) {
      await stunnel.stop();
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${stunnel.log}`, { cause: error });
    }
    return stunnel;
  }

  /** Everything stunnel logged (debug level 5: each connection and its TLS handshake). */
  get log(): string {
    return this.#log;
  }

  /** SIGTERM by PID, SIGKILL after `graceMs`. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

// TLS for SIPp, which Debian builds without it: Debian's stunnel4 wraps SIPp's TCP. The
// same two tunnels sit in front of every proxy and of the direct baseline, so TLS ratios are fair:
//
//   SIPp UAC --TCP--> stunnel client (presents a client certificate) --TLS--> proxy
//   proxy --TLS--> stunnel server (requires a client certificate) --TCP--> SIPp UAS
//
// Each tunnel is its own process, so its CPU shows separately in the report.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForListening, waitForPortFree, type ManagedProcess, type ProcessSupervisor } from './managed-process.js';

export interface TunnelOptions {
  readonly supervisor: ProcessSupervisor;
  readonly workDir: string;
  readonly name: string;
  /** client: accept TCP, originate TLS; server: accept TLS (client certificate required), originate TCP. */
  readonly role: 'client' | 'server';
  readonly acceptPort: number;
  readonly connectPort: number;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export async function startStunnel(options: TunnelOptions): Promise<ManagedProcess> {
  await waitForPortFree(options.acceptPort);
  const configPath = path.join(options.workDir, `stunnel-${options.name}.conf`);
  writeFileSync(configPath, stunnelConfig(options));
  const process = options.supervisor.start({
    name: `stunnel-${options.name}`,
    command: 'stunnel4',
    args: [configPath],
    logDir: options.workDir,
  });
  await waitForListening(options.acceptPort, process);
  return process;
}

function stunnelConfig(options: TunnelOptions): string {
  return [
    '; written by bench/relay/stunnel-runner.ts',
    'foreground = yes',
    'pid =',
    'syslog = no',
    'debug = warning',
    '',
    `[${options.name}]`,
    `client = ${options.role === 'client' ? 'yes' : 'no'}`,
    `accept = 127.0.0.1:${options.acceptPort}`,
    `connect = 127.0.0.1:${options.connectPort}`,
    `cert = ${options.cert}`,
    `key = ${options.key}`,
    `CAfile = ${options.ca}`,
    // Both ends check the peer's chain against the bench CA; the server end requires a certificate.
    'verifyChain = yes',
    ...(options.role === 'server' ? ['requireCert = yes'] : []),
    'sslVersionMin = TLSv1.2',
    // SIP over a tunnel is request/response: Nagle would add up to 40 ms per message.
    'socket = l:TCP_NODELAY=1',
    'socket = r:TCP_NODELAY=1',
    '',
  ].join('\n');
}

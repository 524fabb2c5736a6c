// Kamailio as the reference proxy: the fixture bench/kamailio/kamailio-relay.cfg (tm + sl + rr +
// textops, `record_route(); t_relay()` to the UAS), with the TLSF shared-memory allocator and 4 GiB of
// shared memory (Debian's default `qm` costs 6–8× more per message, and 1 GiB runs out near
// 16,000 transactions/s). Foreground with its log on stderr; stopped by SIGTERM to the main PID.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { descendantsOf } from './cpu-sampler.js';
import { toolVersion } from './debian-peers.js';
import { waitForListening } from './managed-process.js';
import {
  exitReportOf,
  requireCertificates,
  uasNextHop,
  type LaunchContext,
  type ProxyLauncher,
} from './proxy-launcher.js';

export const KAMAILIO_ALLOCATOR = 'tlsf';
export const KAMAILIO_SHARED_MEMORY_MB = 4096;
export const KAMAILIO_PRIVATE_MEMORY_MB = 16;

export const launchKamailio: ProxyLauncher = async (context) => {
  const { ports } = context;
  const runDir = path.join(context.workDir, `kamailio-${context.transport}`);
  mkdirSync(runDir, { recursive: true });
  const next = uasNextHop(context);
  const defines = [
    `LISTEN_TCP=tcp:127.0.0.1:${ports.proxyTcp}`,
    `UAS_URI="sip:127.0.0.1:${next.port};transport=${next.transport}"`,
    ...(context.transport === 'tls'
      ? ['WITH_TLS', `LISTEN_TLS=tls:127.0.0.1:${ports.proxyTls}`, `TLS_CONFIG="${writeTlsConfig(context, runDir)}"`]
      : []),
  ];
  const process = context.supervisor.start({
    name: `kamailio-${context.transport}`,
    command: 'kamailio',
    logDir: context.workDir,
    args: [
      '-f',
      path.join(context.repoRoot, 'bench', 'kamailio', 'kamailio-relay.cfg'),
      '-x',
      KAMAILIO_ALLOCATOR,
      '-m',
      String(KAMAILIO_SHARED_MEMORY_MB),
      '-M',
      String(KAMAILIO_PRIVATE_MEMORY_MB),
      '-DD',
      '-E',
      '-Y',
      runDir,
      ...defines.flatMap((d) => ['-A', d]),
    ],
  });
  const entryPort = context.transport === 'tls' ? ports.proxyTls : ports.proxyTcp;
  await waitForListening(entryPort, process, 20_000);
  const version = toolVersion('kamailio', ['-v'], /kamailio \S+/);
  return {
    name: 'kamailio',
    description: `${version}, -x ${KAMAILIO_ALLOCATOR} -m ${KAMAILIO_SHARED_MEMORY_MB} (MB shared) -M ${KAMAILIO_PRIVATE_MEMORY_MB} (MB private), 4 TCP workers`,
    entryPort,
    exitReport: () => exitReportOf(process),
    cpuPids: () => [process.pid, ...descendantsOf(process.pid)],
    stop: async () => {
      await process.stop(10_000);
    },
  };
};

// Mutual TLS both ways with the bench CA, as the edge does (Kamailio negotiates TLS 1.3).
function writeTlsConfig(context: LaunchContext, runDir: string): string {
  const certificates = requireCertificates(context);
  const profile = (role: 'server' | 'client'): string =>
    [
      `[${role}:default]`,
      'method = TLSv1.2+',
      'verify_certificate = yes',
      'require_certificate = yes',
      `certificate = ${certificates.proxy.cert}`,
      `private_key = ${certificates.proxy.key}`,
      `ca_list = ${certificates.ca}`,
      '',
    ].join('\n');
  const file = path.join(runDir, 'tls.cfg');
  writeFileSync(file, `${profile('server')}\n${profile('client')}`);
  return file;
}

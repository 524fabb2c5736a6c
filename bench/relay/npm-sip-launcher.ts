// The npm `sip` proxy (npm-sip-proxy.ts, compiled beside this file) in a process of its own.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForListening } from './managed-process.js';
import type { NpmSipProxyConfig } from './npm-sip-proxy.js';
import { exitReportOf, requireCertificates, uasNextHop, type ProxyLauncher } from './proxy-launcher.js';

export const launchNpmSip: ProxyLauncher = async (context) => {
  const entryPort = context.transport === 'tls' ? context.ports.proxyTls : context.ports.proxyTcp;
  const certificates = context.transport === 'tls' ? requireCertificates(context) : undefined;
  const config: NpmSipProxyConfig = {
    port: entryPort,
    transport: context.transport,
    uasPort: uasNextHop(context).port,
    ...(certificates === undefined
      ? {}
      : { tls: { cert: certificates.proxy.cert, key: certificates.proxy.key, ca: certificates.ca } }),
  };
  const script = fileURLToPath(new URL('./npm-sip-proxy.js', import.meta.url));
  const process = context.supervisor.start({
    name: `npm-sip-${context.transport}`,
    command: globalThis.process.execPath,
    logDir: context.workDir,
    args: [script, JSON.stringify(config)],
  });
  await waitForListening(entryPort, process, 10_000);
  return {
    name: 'npm-sip',
    description: `npm sip ${packageVersion(context.repoRoot)} (sip/proxy), Node ${globalThis.process.version}`,
    entryPort,
    exitReport: () => exitReportOf(process),
    cpuPids: () => [process.pid],
    stop: async () => {
      await process.stop(5000);
    },
  };
};

function packageVersion(repoRoot: string): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', 'sip', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}

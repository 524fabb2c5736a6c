// simple-edge as the proxy under test, started the way an operator starts it (`simple-edge start
// --config FILE`). TCP run: the UAC reaches the internal TCP listener and the Request-URI's domain
// (a served one) is relayed to the internal registrar target, the SIPp UAS. TLS run: the UAC arrives as
// a peer community on the external mutual-TLS listener and is relayed over TLS to the registrar behind
// stunnel — the inter-domain path the edge exists for, so the border policy runs on every request;
// the peer has an agreement whose rate limits are far above the load, so no request is refused for
// rate (the token buckets are still taken). Logging at `warn`, state in memory.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { PEER_DOMAIN } from './bench-certificates.js';
import { waitForListening } from './managed-process.js';
import {
  exitReportOf,
  requireCertificates,
  uasNextHop,
  type LaunchContext,
  type ProxyLauncher,
  type RunningProxy,
} from './proxy-launcher.js';

export const launchSimpleEdge: ProxyLauncher = (context) => launch(context, true);

/** The same edge with its border policy off (policy.mode: off): the baseline for the 80 % target (docs/PERFORMANCE.md). */
export const launchSimpleEdgeWithoutPolicy: ProxyLauncher = (context) => launch(context, false);

async function launch(context: LaunchContext, policy: boolean): Promise<RunningProxy> {
  const configPath = path.join(
    context.workDir,
    `simple-edge-${policy ? 'policy' : 'no-policy'}-${context.transport}.yaml`,
  );
  writeFileSync(configPath, stringify({ ...edgeConfig(context), ...(policy ? {} : { policy: { mode: 'off' } }) }));
  const profile = context.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', context.cpuProfileDir];
  const process = context.supervisor.start({
    name: `simple-edge-${context.transport}`,
    command: globalThis.process.execPath,
    logDir: context.workDir,
    cwd: context.workDir,
    args: [...profile, path.join(context.repoRoot, 'bin', 'simple-edge.js'), 'start', '--config', configPath],
  });
  const entryPort = context.transport === 'tls' ? context.ports.proxyTls : context.ports.proxyTcp;
  await waitForListening(entryPort, process, 20_000);
  await waitForListening(context.ports.edgeSecond, process, 5000);
  return {
    name: policy ? 'simple-edge' : 'simple-edge-policy-off',
    description: `simple-edge ${context.transport === 'tls' ? 'external TLS → internal TLS' : 'internal TCP → internal TCP'}, Node ${globalThis.process.version}, log level warn`,
    entryPort,
    exitReport: () => exitReportOf(process),
    cpuPids: () => [process.pid],
    // The edge lets live transactions finish on SIGTERM (O5): allow that, and the profile write.
    stop: async () => {
      await process.stop(40_000);
    },
  };
}

function edgeConfig(context: LaunchContext): object {
  const { ports } = context;
  const next = uasNextHop(context);
  const common = {
    domains: ['a.example.com'],
    internal: { registrar: [{ host: '127.0.0.1', port: next.port, transport: next.transport }], presence: 'builtin' },
    state: { backend: 'memory' },
    admin: { listen: `127.0.0.1:${ports.edgeAdmin}` },
    log: { level: 'warn' },
  };
  if (context.transport === 'tcp') {
    return {
      ...common,
      listen: {
        internal: [{ transport: 'tcp', address: '127.0.0.1', port: ports.proxyTcp }],
        external: [{ transport: 'tcp', address: '127.0.0.1', port: ports.edgeSecond }],
      },
    };
  }
  const certificates = requireCertificates(context);
  const unlimited = { capacity: 1_000_000, refillPerSecond: 1_000_000 };
  return {
    ...common,
    agreements: [{ peer: PEER_DOMAIN, limits: { perSender: unlimited, perPeer: unlimited, perRecipient: unlimited } }],
    listen: {
      internal: [{ transport: 'tls', address: '127.0.0.1', port: ports.edgeSecond }],
      external: [{ transport: 'tls', address: '127.0.0.1', port: ports.proxyTls }],
    },
    tls: {
      certificates: [{ domain: 'a.example.com', cert: certificates.proxy.cert, key: certificates.proxy.key }],
      ca: certificates.ca,
    },
  };
}

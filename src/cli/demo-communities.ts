// The two communities of `simple-edge demo`, from config/federation: both configurations read and
// checked as `start` would, the development certificates made on first run, and both edges started
// in this process, either on their static routes or, with a DNS server, finding each other by
// RFC 3263 discovery instead.

import path from 'node:path';
import type { EdgeConfig } from '../config/config-schema.js';
import { formatConfigProblem } from '../config/config-problem.js';
import { readConfigFile } from '../config/load-config.js';
import { createEdge, readTlsFiles, type Edge } from '../edge.js';
import { ensureDevCertificates } from './dev-certificates.js';
import { ExitCode } from './exit-code.js';

/** The two communities, in the order the demo uses them: alice's, then bob's. */
export const DEMO_DOMAINS = ['a.example.com', 'b.example.net'] as const;

export interface DemoCommunity {
  readonly domain: string;
  readonly config: EdgeConfig;
  readonly edge: Edge;
  /** The internal TCP listener its user agents use. */
  readonly internalTcp: { readonly host: string; readonly port: number };
}

/** The demo could not start: its message says why; the exit code says whether the files or the machine. */
export class DemoSetupError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = ExitCode.runtimeFailure) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Each community's configuration, `<dir>/<domain>.yaml`; every problem of either file in the error. */
export function readDemoConfigs(dir: string): EdgeConfig[] {
  const results = DEMO_DOMAINS.map((domain) => readConfigFile(path.join(dir, `${domain}.yaml`)));
  const problems = results.flatMap((r) => (r.ok ? [] : r.problems.map(formatConfigProblem)));
  if (problems.length > 0) throw new DemoSetupError(problems.join('\n'), ExitCode.configInvalid);
  return results.flatMap((r) => (r.ok ? [r.config] : []));
}

/**
 * The development CA and both certificates, where the configurations' `tls.certificates` name them
 * (made once, kept afterwards). Returns the files written, empty when all existed.
 */
export function ensureDemoCertificates(configs: readonly EdgeConfig[]): { dir: string; written: readonly string[] } {
  const first = configs[0]?.tls.certificates[0];
  if (first === undefined) throw new DemoSetupError(`${DEMO_DOMAINS[0]}: tls.certificates names no certificate`);
  const dir = path.dirname(first.cert);
  return { dir, written: ensureDevCertificates(dir, [...DEMO_DOMAINS]).written };
}

/** D1 through DNS: no static routes; the peer found by discovery on `resolver` and admitted by name. */
export function withDiscovery(config: EdgeConfig, resolver: string): EdgeConfig {
  const peers = DEMO_DOMAINS.filter((d) => !config.domains.includes(d));
  return {
    ...config,
    routes: [],
    discovery: { ...config.discovery, resolvers: [resolver], allow: peers, transports: ['tls'] },
  };
}

export async function startDemoCommunity(config: EdgeConfig): Promise<DemoCommunity> {
  const domain = config.domains[0]!;
  const internalTcp = config.listen.internal.find((l) => l.transport === 'tcp');
  if (internalTcp === undefined)
    throw new DemoSetupError(`${domain}: listen.internal has no TCP listener for the demo's user agents`);
  const { certificates, ca, crl, minVersion } = config.tls;
  let tls;
  try {
    tls = readTlsFiles({ certificates, ca, crl, minVersion });
  } catch (error) {
    throw new DemoSetupError(`${domain}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const edge = createEdge({ config, tls });
  try {
    await edge.listen();
  } catch (error) {
    // Listeners bound before the one that failed would keep the process alive.
    await edge.stop(0).catch(() => undefined);
    throw new DemoSetupError(
      `${domain}: cannot listen (${error instanceof Error ? error.message : String(error)}); is \`simple-edge start\` running with this configuration?`,
    );
  }
  return { domain, config, edge, internalTcp: { host: internalTcp.address, port: internalTcp.port } };
}

// The Debian packages the relay benchmark drives. Installed with apt-get when missing, as a test
// setup would (the benchmark machine runs as root), and their versions for the report.

import { spawnSync } from 'node:child_process';
import type { ProxyName, Transport } from './relay-bench-options.js';

interface DebianPeer {
  readonly pkg: string;
  readonly neededBy: (proxies: readonly ProxyName[], transports: readonly Transport[]) => boolean;
}

const PEERS: readonly DebianPeer[] = [
  { pkg: 'sip-tester', neededBy: () => true },
  { pkg: 'kamailio', neededBy: (proxies) => proxies.includes('kamailio') },
  {
    pkg: 'kamailio-tls-modules',
    neededBy: (proxies, transports) => proxies.includes('kamailio') && transports.includes('tls'),
  },
  { pkg: 'stunnel4', neededBy: (_, transports) => transports.includes('tls') },
];

export function ensureDebianPeers(
  proxies: readonly ProxyName[],
  transports: readonly Transport[],
  log: (line: string) => void,
): void {
  const missing = PEERS.filter((p) => p.neededBy(proxies, transports) && !isInstalled(p.pkg)).map((p) => p.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')} (run: sudo apt-get install -y ${missing.join(' ')})`,
    );
  }
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], env);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], env);
}

function isInstalled(pkg: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 600_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

/** The part of a tool's version output (stdout and stderr together) that `pattern` matches, or `unknown`. */
export function toolVersion(command: string, args: readonly string[], pattern: RegExp): string {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  return pattern.exec(`${result.stdout ?? ''}${result.stderr ?? ''}`)?.[0]?.trim() ?? 'unknown';
}

// What `simple-edge start` says when a SIP listener cannot be bound: the transport, the configuration
// key (`listen.internal[0]`), the reason in words and the fix, as the admin port clash already does.
// The socket error names only an address and a port; the listener is found again in the configuration.

import type { EdgeConfig } from '../config/config-schema.js';
import type { Listener } from '../config/listen-schema.js';

interface SocketError {
  readonly code?: unknown;
  readonly syscall?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
}

/** The lines to print, or undefined when the error is not a socket error of a configured listener. */
export function describeListenFailure(config: EdgeConfig, error: unknown, configPath: string): string[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, syscall, address, port } = error as SocketError;
  if (typeof address !== 'string' || typeof port !== 'number') return undefined;
  const found = configuredListener(config, address, port, syscall === 'bind' ? 'datagram' : 'stream');
  if (found === undefined) return undefined;
  const { key, listener } = found;
  const where = `${listener.transport} ${address.includes(':') ? `[${address}]` : address}:${port}`;
  const reasons: Record<string, [string, string]> = {
    EADDRINUSE: [
      'the port is in use (another simple-edge, or another SIP server)',
      `stop the process holding it (\`ss -lntup 'sport = :${port}'\` shows it) or set ${key}.port to a free port in ${configPath}`,
    ],
    EACCES: [
      'ports below 1024 need privileges',
      `use a port of 1024 or more in ${key}.port, or grant CAP_NET_BIND_SERVICE (see docs/OPERATIONS.md)`,
    ],
    EADDRNOTAVAIL: [
      'the address is not one of this host',
      `set ${key}.address to an address of this host (0.0.0.0 or :: for all) in ${configPath}`,
    ],
  };
  const [reason, fix] = reasons[String(code)] ?? [String(code ?? 'failed'), `check ${key} in ${configPath}`];
  return [`cannot listen on ${key} (${where}): ${reason}. Fix: ${fix}.`];
}

function configuredListener(
  config: EdgeConfig,
  address: string,
  port: number,
  kind: 'datagram' | 'stream',
): { key: string; listener: Listener } | undefined {
  for (const side of ['internal', 'external'] as const) {
    const index = config.listen[side].findIndex(
      (l) => l.address === address && l.port === port && (l.transport === 'udp') === (kind === 'datagram'),
    );
    if (index >= 0) return { key: `listen.${side}[${index}]`, listener: config.listen[side][index]! };
  }
  return undefined;
}

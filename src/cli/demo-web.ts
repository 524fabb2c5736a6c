// `simple-edge demo --web`: the two communities of the demo with the web client on both (SPEC I7),
// for a person rather than a script. Each edge gets a WebSocket listener beside its internal TCP one
// (two ports up: 5162 and 5262 with config/federation) unless its configuration has one already,
// and community.webClient on; the demo prints one address per user and waits until it is stopped.

import type { EdgeConfig } from '../config/config-schema.js';
import type { CliIo } from './cli-io.js';
import { DemoSetupError, type DemoCommunity } from './demo-communities.js';

/** The web client's port, counted from the internal TCP listener's: 5160 → 5162, 5260 → 5262. */
export const WEB_PORT_OFFSET = 2;

/** The configuration with a ws listener on the community side (unless it has one) and the web client on. */
export function withWebClient(config: EdgeConfig): EdgeConfig {
  const internal = config.listen.internal;
  const hasWebSocket = internal.some((l) => l.transport === 'ws' || l.transport === 'wss');
  const tcp = internal.find((l) => l.transport === 'tcp');
  if (!hasWebSocket && tcp === undefined)
    throw new DemoSetupError(`${config.domains[0]!}: listen.internal has no TCP listener to put the web client beside`);
  const webSocket = hasWebSocket
    ? []
    : [{ transport: 'ws' as const, address: tcp!.address, port: tcp!.port + WEB_PORT_OFFSET }];
  return {
    ...config,
    listen: { ...config.listen, internal: [...internal, ...webSocket] },
    community: { ...config.community, webClient: true },
  };
}

export interface WebUser {
  readonly address: string;
  readonly password: string;
  /** Whom the page watches from the start: the user of the other community. */
  readonly buddy: string;
}

/** Where `user` opens the web client of `community`: its WebSocket listener, the address and buddy filled in. */
export function webClientUrl(community: DemoCommunity, user: WebUser): string {
  const listener = community.edge.listeners.find(
    (l) => l.side === 'internal' && (l.protocol === 'ws' || l.protocol === 'wss'),
  );
  if (listener === undefined) throw new DemoSetupError(`${community.domain}: no WebSocket listener is bound`);
  const scheme = listener.protocol === 'wss' ? 'https' : 'http';
  // A wildcard address is not one a browser can open; loopback is this machine's.
  const address = listener.address === '0.0.0.0' ? '127.0.0.1' : listener.address === '::' ? '::1' : listener.address;
  const host = address.includes(':') ? `[${address}]` : address;
  const query = new URLSearchParams({ user: user.address, buddy: user.buddy });
  return `${scheme}://${host}:${listener.port}/?${query.toString()}`;
}

/** Prints each user's address and password, then waits for `until` (Ctrl-C in the CLI). */
export async function offerWebClients(options: {
  readonly communities: readonly DemoCommunity[];
  readonly users: readonly WebUser[];
  readonly io: CliIo;
  readonly until: AbortSignal;
}): Promise<void> {
  const { communities, users, io, until } = options;
  communities.forEach((community, i) => {
    const user = users[i]!;
    io.out(`web client: ${user.address} at ${webClientUrl(community, user)} (password: ${user.password})`);
  });
  io.out('open each address in a tab of its own, sign in and chat across the border; Ctrl-C stops the demo');
  if (until.aborted) return;
  await new Promise<void>((resolve) => until.addEventListener('abort', () => resolve(), { once: true }));
}

// What the edge recognises as itself: its listeners' addresses, for its own Route entries (RFC 3261
// §16.4), its own Vias (§16.3 step 4, §16.7 step 2), and the addresses it writes into Via and
// Record-Route.

import { uriTransport } from '../routing/resolve-target.js';
import type { SipUri } from '../sip/uri.js';
import type { Side, TransportProtocol } from '../transport/flow.js';

export interface BoundListener {
  readonly side: Side;
  readonly protocol: TransportProtocol;
  readonly address: string;
  readonly port: number;
}

const DEFAULT_PORT: Readonly<Record<TransportProtocol, number>> = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 };

export class LocalAddresses {
  readonly #listeners: readonly BoundListener[];
  /** By address, port and kind (datagram or stream): UDP and TCP may share a port. */
  readonly #byEndpoint: ReadonlyMap<string, BoundListener>;

  constructor(listeners: readonly BoundListener[]) {
    this.#listeners = listeners;
    this.#byEndpoint = new Map(listeners.map((l) => [endpointKey(l.address, l.port, l.protocol), l]));
  }

  /**
   * The listener a URI or Via names, if it names one of the edge's: the one of the named transport's
   * kind first, else one of the other kind on the same address and port (still the edge itself).
   */
  find(host: string, port: number | undefined, protocol: TransportProtocol = 'udp'): BoundListener | undefined {
    const bare = host.startsWith('[') ? host.slice(1, -1).toLowerCase() : host.toLowerCase();
    const p = port ?? DEFAULT_PORT[protocol];
    return (
      this.#byEndpoint.get(endpointKey(bare, p, protocol)) ??
      this.#byEndpoint.get(endpointKey(bare, p, protocol === 'udp' ? 'tcp' : 'udp'))
    );
  }

  isOwnUri(uri: SipUri): BoundListener | undefined {
    return this.find(uri.params.get('maddr') ?? uri.host, uri.port, uriTransport(uri));
  }

  /** The edge's own Contact URI on a side (a dialog the edge is an end of): that transport's listener, else any there. */
  contactUri(side: Side, protocol: TransportProtocol): string {
    const listener =
      this.listenerFor(side, protocol, 4) ?? this.listenerFor(side, 'udp', 4) ?? this.listenerFor(side, 'tcp', 4);
    if (listener === undefined) throw new Error(`no ${side} listener for a Contact`);
    return `sip:${hostPort(listener)}${listener.protocol === 'udp' ? '' : `;transport=${listener.protocol}`}`;
  }

  /** The listener to name in a Via or Record-Route for traffic leaving on `side` over `protocol`. */
  listenerFor(side: Side, protocol: TransportProtocol, family: 4 | 6): BoundListener | undefined {
    const matches = this.#listeners.filter((l) => l.side === side && l.protocol === protocol);
    return matches.find((l) => (l.address.includes(':') ? 6 : 4) === family) ?? matches[0];
  }
}

function endpointKey(address: string, port: number, protocol: TransportProtocol): string {
  return `${address}|${port}|${protocol === 'udp' ? 'datagram' : 'stream'}`;
}

export function hostPort(listener: { readonly address: string; readonly port: number }): string {
  return listener.address.includes(':')
    ? `[${listener.address}]:${listener.port}`
    : `${listener.address}:${listener.port}`;
}

// Turning a configured next hop or a URI into an address to connect to. Host names go through the
// system resolver here; RFC 3263 discovery (NAPTR, SRV) replaces this for peer domains.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isSipUri, type SipUri, type Uri } from '../sip/uri.js';
import type { Side, TransportProtocol } from '../transport/flow.js';
import { DiscoveryError } from '../discovery/discovery-error.js';
import type { RouteDecision, Routed, RouteTarget } from './route-types.js';

const DEFAULT_PORTS: Readonly<Record<TransportProtocol, number>> = {
  udp: 5060,
  tcp: 5060,
  tls: 5061,
  ws: 80,
  wss: 443,
};

type ConfiguredTarget = { readonly host: string; readonly port: number; readonly transport: TransportProtocol };

/** The host as an address when it is an IP literal (IPv6 without brackets); undefined for a name. */
export function literalAddress(host: string): string | undefined {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  return isIP(bare) !== 0 ? bare : undefined;
}

/** An address for the host; a name that does not resolve is a routing failure (404, or 503 when DNS itself failed). */
export async function resolveHost(host: string): Promise<string> {
  return literalAddress(host) ?? lookUp(host.startsWith('[') ? host.slice(1, -1) : host);
}

async function lookUp(bare: string): Promise<string> {
  try {
    return (await lookup(bare)).address;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOTFOUND' || code === 'ENODATA';
    throw new DiscoveryError(missing ? 'NOT_FOUND' : 'DNS_FAILURE', `${bare}: ${code ?? String(error)}`, {
      cause: error,
    });
  }
}

/** A routing failure as the answer to the request: 404 when the host is unknown, 503 when DNS failed. */
export function routingFailure(error: DiscoveryError): RouteDecision {
  return { kind: 'reply', status: error.status, reason: error.reason, because: `D2-D3 ${error.code}` };
}

export async function resolveTarget(target: ConfiguredTarget, side: Side): Promise<RouteTarget> {
  return { protocol: target.transport, address: await resolveHost(target.host), port: target.port, side };
}

/**
 * Configured targets that are all IP literals, resolved once per configuration: routing answers with
 * this very list, no lookup and no allocation per request. Undefined when a host name is among them.
 */
export function literalTargets(targets: readonly ConfiguredTarget[], side: Side): readonly RouteTarget[] | undefined {
  const resolved: RouteTarget[] = [];
  for (const target of targets) {
    const address = literalAddress(target.host);
    if (address === undefined) return undefined;
    resolved.push(Object.freeze({ protocol: target.transport, address, port: target.port, side }));
  }
  return Object.freeze(resolved);
}

/**
 * RFC 3263 §4.1 without DNS records: the transport from the URI's transport parameter (TLS for
 * sips), the port from the URI or the transport's default. An IP-literal host is answered at once.
 */
export function targetFromUri(uri: Uri, side: Side): Routed<RouteTarget | undefined> {
  if (!isSipUri(uri)) return undefined;
  const protocol = uriTransport(uri);
  // maddr is not honoured: it would let the sender pick the host (SPEC B1, B3).
  const port = uri.port ?? DEFAULT_PORTS[protocol];
  const address = literalAddress(uri.host);
  if (address !== undefined) return { protocol, address, port, side };
  return resolveHost(uri.host).then((resolved) => ({ protocol, address: resolved, port, side }));
}

/** The transport a SIP URI names: TLS for sips (WSS for sips with transport=ws, RFC 7118 §5), else its parameter, else UDP. */
export function uriTransport(uri: SipUri): TransportProtocol {
  const param = uri.params.get('transport')?.toLowerCase();
  if (param === 'ws' || param === 'wss') return uri.scheme === 'sips' ? 'wss' : param;
  return uri.scheme === 'sips' || param === 'tls' ? 'tls' : param === 'tcp' ? 'tcp' : 'udp';
}

export function otherSide(side: Side): Side {
  return side === 'internal' ? 'external' : 'internal';
}

// Which side a request leaves on when a URI names its next hop by address — a Route beyond the edge's
// own entries, or a Request-URI whose host is not a domain this edge routes by name (an IP literal, a
// peer's Contact inside a dialog). The answer follows from where the request is for, never from which
// of the edge's own listeners a Route named (SPEC B1, docs/SECURITY.md):
//   arrived from a peer ─────────────────────────────────► the community (peers reach only into it)
//   for a served domain (the To inside a dialog) ────────► the community
//   for a peer domain ───────────────────────────────────► that peer, over mutual TLS, checked as it
//   naming no domain at all ─────────────────────────────► refused: there is no peer to check it against

import { isIP } from 'node:net';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { isSipUri, type SipUri, type Uri } from '../sip/uri.js';
import type { Side } from '../transport/flow.js';

export type HopSide =
  { readonly side: 'internal' } | { readonly side: 'external'; readonly peer: string } | { readonly side: 'none' };

export function hopSide(
  request: IncomingRequest,
  arrival: Side,
  requestUri: Uri,
  served: ReadonlySet<string>,
): HopSide {
  if (arrival === 'external') return { side: 'internal' };
  const domain = destinationDomain(request, requestUri);
  if (domain === undefined) return { side: 'none' };
  return served.has(domain) ? { side: 'internal' } : { side: 'external', peer: domain };
}

/**
 * The domain a request is for: inside a dialog the To names the far end (the Request-URI is its
 * Contact, often an address); outside one, the Request-URI's host when it is a name, else the To's.
 */
export function destinationDomain(request: IncomingRequest, requestUri: Uri): string | undefined {
  const candidates: Uri[] = request.to.tag === undefined ? [requestUri, request.to.uri] : [request.to.uri];
  for (const uri of candidates) {
    const name = isSipUri(uri) ? domainName(uri) : undefined;
    if (name !== undefined) return name;
  }
  return undefined;
}

/** The URI's host in lower case when it is a domain name (not an IP literal). */
export function domainName(uri: SipUri): string | undefined {
  return isIpLiteral(uri.host) ? undefined : uri.host.toLowerCase();
}

export function isIpLiteral(host: string): boolean {
  return isIP(host.startsWith('[') ? host.slice(1, -1) : host) !== 0;
}

/** Whether `host` is the peer's domain or a name under it (one of its edges, as its Record-Route names it). */
export function isWithinDomain(host: string, domain: string): boolean {
  const name = host.toLowerCase();
  return name === domain || name.endsWith(`.${domain}`);
}

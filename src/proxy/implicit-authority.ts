// SPEC F7 (003 §4.4): implicit authority. A request from peer domain X must arrive over a connection
// authenticated as X's edge (RFC 5922: the domains its certificate covers), or as an edge whose
// agreement lets it speak for X. The peer a request is attributed to — for limits, agreements and
// metrics — is the authenticated one, never merely what the From header claims.

import type { IncomingRequest } from '../sip/incoming-message.js';
import { parseNameAddr } from '../sip/name-addr.js';
import { isSipUri, type Uri } from '../sip/uri.js';
import type { Flow } from '../transport/flow.js';

export type Attribution =
  | { readonly kind: 'peer'; readonly peer: string; readonly authenticated: boolean }
  | { readonly kind: 'refused'; readonly reason: string };

export class ImplicitAuthority {
  /** Authenticated edge domain → other domains its agreement lets it originate for. */
  readonly #speaksFor: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(agreements: ReadonlyArray<{ readonly peer: string; readonly speaksFor: readonly string[] }>) {
    this.#speaksFor = new Map(
      agreements.map((a) => [a.peer.toLowerCase(), new Set(a.speaksFor.map((d) => d.toLowerCase()))]),
    );
  }

  /** Which peer an inbound request comes from, or why it is refused (403). */
  attribute(request: IncomingRequest, flow: Flow): Attribution {
    const claimed = domainOf(request.from.uri);
    const identity = flow.peerIdentity;
    if (identity === undefined || identity.length === 0) {
      // No mutually authenticated flow (TCP or UDP on the external side): the claim stands, unverified.
      return { kind: 'peer', peer: claimed ?? flow.remote.address, authenticated: false };
    }
    const origins = [claimed, ...this.#assertedDomains(request)];
    let speaker: string | undefined;
    for (const origin of origins) {
      if (origin === undefined) return { kind: 'refused', reason: 'the originator is not a SIP address' };
      const edge = this.#edgeFor(origin, identity);
      if (edge === undefined)
        return { kind: 'refused', reason: `${origin} is not a domain this connection is authenticated for` };
      speaker ??= edge;
    }
    return { kind: 'peer', peer: speaker ?? identity[0]!, authenticated: true };
  }

  #edgeFor(domain: string, identity: readonly string[]): string | undefined {
    if (identity.includes(domain)) return domain;
    return identity.find((edge) => this.#speaksFor.get(edge)?.has(domain) === true);
  }

  #assertedDomains(request: IncomingRequest): Array<string | undefined> {
    return request.headers
      .values('p-asserted-identity')
      .map((value) => domainOf(parseNameAddr(value, 'P-Asserted-Identity').uri));
  }
}

function domainOf(uri: Uri): string | undefined {
  return isSipUri(uri) ? uri.host.toLowerCase() : undefined;
}

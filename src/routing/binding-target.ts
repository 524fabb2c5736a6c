// How one binding of the built-in registrar becomes a target (RFC 3261 §16.5): its Contact's host, or
// with RFC 5626 outbound (SPEC I6, B3) the flow the client registered on — never the Contact's host,
// which behind a NAT points nowhere. A stream flow is named by id (the transport sends over it or
// fails the branch with 430); a UDP flow is the address and port the REGISTER came from. A browser
// registered over a WebSocket without outbound (SPEC I7) is reached over that connection, by its far end.

import type { ContactFlow } from '../community/location-service.js';
import { parseUri } from '../sip/uri.js';
import { targetFromUri } from './resolve-target.js';
import type { Routed, RouteTarget } from './route-types.js';

export function bindingTarget(contact: string, flow: ContactFlow | undefined): Routed<RouteTarget | undefined> {
  if (flow === undefined) return targetFromUri(parseUri(contact), 'internal');
  // I7: a browser's connection, found again by its far end (the transport never dials a WebSocket).
  if (!('id' in flow)) return { ...flow, side: 'internal' };
  const { protocol, address, port } = flow;
  return protocol === 'udp'
    ? { protocol, address, port, side: 'internal' }
    : { protocol, address, port, side: 'internal', flow: flow.id };
}

// RFC 3261 §16.6 step 4 with the double Record-Route of RFC 5658: when a dialog-creating request
// crosses from one listener to another (side or transport), the edge records both, so requests
// later in the dialog come back on the listener each end can reach and leave on the other.

import type { IncomingRequest } from '../sip/incoming-message.js';
import type { RouteTarget } from '../routing/route-types.js';
import type { Flow } from '../transport/flow.js';
import { flowToken } from './flow-token.js';
import { hostPort, type BoundListener, type LocalAddresses } from './local-addresses.js';

const DIALOG_CREATING: ReadonlySet<string> = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export function recordRouteEntries(
  request: IncomingRequest,
  arrival: Flow,
  target: RouteTarget,
  local: LocalAddresses,
): string[] {
  if (!DIALOG_CREATING.has(request.method) || request.to.tag !== undefined) return [];
  const outbound = local.listenerFor(target.side, target.protocol, familyOf(target.address));
  // A request may arrive on a connection the edge opened (F4 reuse): its local end is no listener,
  // so the entry names the listener of that side and transport, which the peer can reach.
  const inbound =
    local.find(arrival.local.address, arrival.local.port, arrival.protocol) ??
    local.listenerFor(arrival.side, arrival.protocol, familyOf(arrival.local.address));
  if (outbound === undefined) return inbound === undefined ? [] : [entry(inbound)];
  if (inbound === undefined || inbound === outbound) return [entry(outbound)];
  // B3: leaving the community, the entry facing the client names where it really is (a flow token).
  const token =
    arrival.side === 'internal' && target.side === 'external'
      ? flowToken({ protocol: arrival.protocol, address: arrival.remote.address, port: arrival.remote.port })
      : undefined;
  // Topmost first: the entry facing the target, then the one facing where the request came from.
  return [entry(outbound), entry(inbound, token)];
}

/** The listener the edge's Via names for traffic to `target` (its responses come back there). */
export function viaListener(target: RouteTarget, flow: Flow, local: LocalAddresses): BoundListener {
  return (
    local.listenerFor(target.side, target.protocol, familyOf(target.address)) ?? {
      side: target.side,
      protocol: target.protocol,
      address: flow.local.address,
      port: flow.local.port,
    }
  );
}

function entry(listener: BoundListener, user?: string): string {
  const transport = listener.protocol === 'udp' ? '' : `;transport=${listener.protocol}`;
  return `<sip:${user === undefined ? '' : `${user}@`}${hostPort(listener)}${transport};lr>`;
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

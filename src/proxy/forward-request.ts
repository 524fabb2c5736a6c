// RFC 3261 §16.6: the request the edge sends to one target, built step by step from the received
// one. Everything not named here travels as the bytes that arrived.

import type { IncomingRequest } from '../sip/incoming-message.js';
import { splitHeaderList } from '../sip/header-list.js';
import { OutgoingMessage } from '../sip/outgoing-message.js';
import type { HeaderEdit } from '../policy/rule.js';
import type { TransportProtocol } from '../transport/flow.js';
import { hostPort, type BoundListener } from './local-addresses.js';
import type { RoutePlan } from './route-set.js';

export interface ForwardSpec {
  readonly request: IncomingRequest;
  readonly plan: RoutePlan;
  /** Step 2: the Request-URI for this target. */
  readonly requestUri: string;
  /** Step 4: the edge's Record-Route entries, topmost first; empty when not record-routing. */
  readonly recordRoute: readonly string[];
  /** Step 8: the listener the Via names and the transport and branch of this attempt. */
  readonly via: { readonly listener: BoundListener; readonly protocol: TransportProtocol; readonly branch: string };
  /** Step 5: header changes the border policy asked for (an Accept added, an Expires lowered). */
  readonly edits?: readonly HeaderEdit[];
}

export function forwardRequest(spec: ForwardSpec): OutgoingMessage {
  const { request } = spec;
  const out = OutgoingMessage.copyOf(request, `${request.method} ${spec.requestUri} SIP/2.0`);
  removeOwnRoutes(out, spec.plan);
  decrementMaxForwards(out, request);
  applyEdits(out, spec.edits ?? []);
  for (let i = spec.recordRoute.length - 1; i >= 0; i--) out.prependValue('Record-Route', spec.recordRoute[i]!);
  out.replaceFirstValue('Via', request.stampedTopVia);
  out.prepend(
    'Via',
    `SIP/2.0/${spec.via.protocol.toUpperCase()} ${hostPort(spec.via.listener)};branch=${spec.via.branch};rport`,
  );
  return out;
}

export function applyEdits(out: OutgoingMessage, edits: readonly HeaderEdit[]): void {
  for (const change of edits) {
    if (change.op === 'set') out.set(change.name, change.value);
    else if (change.op === 'append') out.append(change.name, change.value);
    else out.remove(change.name);
  }
}

/** Step 3: one less hop, or 70 for an RFC 2543 request that had no Max-Forwards. */
function decrementMaxForwards(out: OutgoingMessage, request: IncomingRequest): void {
  const maxForwards = request.maxForwards;
  out.set('Max-Forwards', String(maxForwards === undefined ? 70 : maxForwards - 1));
}

/** §16.4: the edge's own Route values go; a Route that became the Request-URI goes too. */
function removeOwnRoutes(out: OutgoingMessage, plan: RoutePlan): void {
  if (plan.removeLastRoute) removeLastRouteValue(out);
  for (let i = 0; i < plan.ownRoutes; i++) out.removeFirstValue('Route');
}

function removeLastRouteValue(out: OutgoingMessage): void {
  const all = out.getAll('route').flatMap((line) => splitHeaderList(line, []));
  out.remove('Route');
  for (const value of all.slice(0, -1)) out.append('Route', value);
}

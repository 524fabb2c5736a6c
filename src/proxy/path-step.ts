// RFC 3327 Path at the edge in front of an external registrar (SPEC I6): a community client's
// REGISTER relayed to the registrar gets the edge's own Path entry on top, whose user part is a flow
// token (flow-token.ts) naming the flow the REGISTER came on, so that the registrar's requests for
// the client come back through the edge and leave over that flow (path-destination.ts).
//
// When (RFC 3327 §5.2, written down in docs/OPERATIONS.md "Outbound and Path"):
//   - only a REGISTER from the community's side that the edge relays to the community's side (the
//     registrar); one for another domain carries none of our flows out of the community;
//   - `when-supported` (default): only for a client that sent `Supported: path`, as §5.2 asks of a
//     proxy ("SHOULD NOT add a Path header field unless the UA has indicated support"); no Require, so a
//     registrar without Path still registers the client as before;
//   - `required`: also `Require: path` towards the registrar (a registrar that cannot honour it
//     answers 420 instead of silently routing around the edge), and 421 Extension Required with
//     `Require: path` for a client that did not send `Supported: path` (§5.2);
//   - `;ob` on the entry when the client asked for RFC 5626 outbound and the edge is its first hop
//     (RFC 5626 §5.1): one Via, `Supported: outbound`, and a Contact with +sip.instance and reg-id.

import type { PathMode } from '../config/internal-schema.js';
import { supports } from '../community/outbound-registration.js';
import { readRegistration } from '../community/registration-request.js';
import type { HeaderEdit } from '../policy/rule.js';
import type { RouteTarget } from '../routing/route-types.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import type { Flow } from '../transport/flow.js';
import { flowToken } from './flow-token.js';
import { hostPort, type LocalAddresses } from './local-addresses.js';
import type { Answer } from './validate-request.js';

export type PathOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'insert'; readonly edits: readonly HeaderEdit[]; readonly outbound: boolean }
  | { readonly kind: 'refuse'; readonly answer: Answer };

const NONE: PathOutcome = { kind: 'none' };

export function pathFor(options: {
  readonly request: IncomingRequest;
  readonly arrival: Flow;
  readonly targets: readonly RouteTarget[];
  readonly mode: PathMode;
  readonly local: LocalAddresses;
}): PathOutcome {
  const { request, arrival, targets, mode } = options;
  const registrar = targets[0];
  if (mode === 'off' || request.method !== 'REGISTER' || arrival.side !== 'internal' || registrar === undefined)
    return NONE;
  if (targets.some((t) => t.side !== 'internal')) return NONE;
  if (!supports(request, 'path')) {
    if (mode !== 'required') return NONE;
    return {
      kind: 'refuse',
      answer: { status: 421, headers: [['Require', 'path']], because: 'I6 RFC 3327 §5.2 path required' },
    };
  }
  const listener = options.local.listenerFor('internal', registrar.protocol, registrar.address.includes(':') ? 6 : 4);
  if (listener === undefined) return NONE;
  const outbound = asksOutbound(request);
  const token = flowToken({
    protocol: arrival.protocol,
    address: arrival.remote.address,
    port: arrival.remote.port,
    flowId: arrival.id,
  });
  const transport = listener.protocol === 'udp' ? '' : `;transport=${listener.protocol}`;
  const entry = `<sip:${token}@${hostPort(listener)}${transport};lr${outbound ? ';ob' : ''}>`;
  const edits: HeaderEdit[] = [{ op: 'prepend', name: 'Path', value: entry }];
  if (mode === 'required') edits.push({ op: 'prepend', name: 'Require', value: 'path' });
  return { kind: 'insert', edits, outbound };
}

/** RFC 5626 §5.1: the client asks for outbound, and this edge is its first hop. */
function asksOutbound(request: IncomingRequest): boolean {
  if (request.vias.length !== 1 || !supports(request, 'outbound')) return false;
  const change = readRegistration(request, 0);
  return change.kind === 'update' && change.bindings.some((b) => b.outbound !== undefined);
}

// RFC 5626 §6 at the built-in registrar, with the edge as the client's edge proxy (§5) in the same
// process (SPEC I6): whether a REGISTER asks for outbound, the answers that refuse one, and how the
// 200 says outbound was applied (§4.4.1 Require: outbound, Flow-Timer).

import type { IncomingRequest } from '../sip/incoming-message.js';
import { answer, warningHeader, type LocalAnswer } from './community-answer.js';
import type { Binding } from './location-service.js';
import type { RequestedBinding } from './registration-request.js';

export type OutboundVerdict =
  /** No outbound: reg-id is ignored, the bindings are plain RFC 3261 ones. */
  | { readonly kind: 'plain' }
  | { readonly kind: 'outbound' }
  | { readonly kind: 'refused'; readonly answer: LocalAnswer };

/**
 * §6: outbound applies when a Contact has `+sip.instance` and `reg-id` and the client lists
 * `outbound` in Supported. The edge must be the first hop (one Via): the registrar keeps no Path, so
 * a flow behind another proxy is not one it could use (439). One reg-id per REGISTER (§4.2.1).
 */
export function outboundVerdict(request: IncomingRequest, bindings: readonly RequestedBinding[]): OutboundVerdict {
  const asking = bindings.filter((b) => b.outbound !== undefined);
  if (asking.length === 0 || !supports(request, 'outbound')) return PLAIN;
  if (asking.length > 1)
    return refused(400, 'RFC 5626 §4.2.1 one reg-id per REGISTER', 'more than one Contact with reg-id');
  if (request.vias.length > 1)
    return refused(439, 'RFC 5626 §6 first hop lacks outbound support', 'register with this edge as first hop');
  return OUTBOUND;
}

/** The bindings a REGISTER leaves without outbound: reg-id and instance ignored (§6). */
export function withoutOutbound(bindings: readonly RequestedBinding[]): RequestedBinding[] {
  return bindings.map(({ outbound: _ignored, ...plain }) => plain);
}

/** §4.4.1: the 200 tells the client outbound is in force and how often to send keepalives. */
export function outboundHeaders(flowTimerSeconds: number): Array<[string, string]> {
  return [
    ['Require', 'outbound'],
    ['Flow-Timer', String(flowTimerSeconds)],
  ];
}

/** A Contact of the 200 (RFC 3261 §10.3 step 8); an outbound binding with its instance and reg-id. */
export function contactOf(binding: Binding, now: number): [string, string] {
  const expires = Math.max(0, Math.round((binding.expiresAt - now) / 1000));
  const outbound = binding.outbound;
  const params = outbound === undefined ? '' : `;reg-id=${outbound.regId};+sip.instance=${outbound.instance}`;
  return ['Contact', `<${binding.uri}>;expires=${expires}${params}`];
}

/** Whether the binding is the one an instance's reg-id names (§6: a new REGISTER replaces its flow). */
export function sameFlowOfInstance(binding: Binding, wanted: RequestedBinding): boolean {
  return (
    binding.outbound !== undefined &&
    wanted.outbound !== undefined &&
    binding.outbound.instance === wanted.outbound.instance &&
    binding.outbound.regId === wanted.outbound.regId
  );
}

export function supports(request: IncomingRequest, option: string): boolean {
  return request.headers.values('supported').some((tag) => tag.trim().toLowerCase() === option);
}

const PLAIN: OutboundVerdict = { kind: 'plain' };
const OUTBOUND: OutboundVerdict = { kind: 'outbound' };

function refused(status: number, because: string, why: string): OutboundVerdict {
  return { kind: 'refused', answer: answer(status, because, { headers: [warningHeader(why)] }) };
}

// Y1 (003 §10.2): caps on how many distinct local recipients one sender, and one peer community,
// may reach in a window (distinctRecipientsWindowSeconds): an address harvester walks through many
// addresses at a modest rate that the token buckets let pass. The sets are bounded by their cap
// (StateStore.addToSet maxMembers), so a harvester cannot grow them either. Only new requests count.

import type { IncomingRequest } from '../../sip/incoming-message.js';
import { andThen } from '../../state/awaitable.js';
import type { Awaitable } from '../../state/state-store.js';
import { isOutOfDialog } from '../../sip/address-of-record.js';
import type { PolicyContext } from '../policy-context.js';
import { defineRequestRule, pass, type InboundRequestRule, type Verdict } from '../rule.js';
import { boundedPart, storeKey, type KeyKind } from '../../state/store-keys.js';
import { overLimitAnswer } from './over-limit-answer.js';
import { senderLimits } from './sender-limits.js';

function addRecipient(
  request: IncomingRequest,
  context: PolicyContext,
  set: { kind: KeyKind; owner: string; cap: number; reason: string },
): Awaitable<Verdict> {
  const size = context.store.addToSet(storeKey(set.kind, set.owner), boundedPart(context.addresses.target(request)), {
    ttlMs: context.limits.distinctRecipientsWindowSeconds * 1000,
    maxMembers: set.cap,
  });
  return andThen(size, (members) => (members > set.cap ? overLimitAnswer(context.limits, set.reason) : pass()));
}

function capRule(
  name: string,
  pick: (
    request: IncomingRequest,
    context: PolicyContext,
  ) => { kind: KeyKind; owner: string; cap: number; reason: string },
): InboundRequestRule {
  return defineRequestRule({
    id: 'Y1',
    name,
    phase: 'inbound-request',
    check: (request, context) =>
      isOutOfDialog(request) ? addRecipient(request, context, pick(request, context)) : pass(),
  });
}

export const senderRecipientCap = capRule('sender-recipient-cap', (request, context) => ({
  kind: 'senderRecipients',
  owner: context.addresses.sender(request),
  cap: senderLimits(request, context).maxDistinctRecipients,
  reason: 'Too Many Recipients From Sender',
}));

export const peerRecipientCap = capRule('peer-recipient-cap', (_request, context) => ({
  kind: 'peerRecipients',
  owner: context.peer,
  cap: context.limits.maxDistinctRecipientsPerPeer,
  reason: 'Too Many Recipients From Peer',
}));

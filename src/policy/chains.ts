// The chains, read top to bottom like Kamailio's request_route: each rule passes, edits, or answers
// and stops the chain. Cheap checks on the message itself come first, then checks that read the store.

import type { RequestRule, ResponseRule } from './rule.js';
import { messageSize } from './rules/message-size.js';
import { pidfBody, presenceAccept } from './rules/presence-format.js';
import { recordRouteLength } from './rules/record-route-length.js';
import { subscriptionMaxExpires, subscriptionMinExpires } from './rules/subscription-expires.js';

export interface PolicyChains {
  readonly inboundRequest: readonly RequestRule[];
  readonly outboundRequest: readonly RequestRule[];
  readonly response: readonly ResponseRule[];
}

export const DEFAULT_CHAINS: PolicyChains = {
  inboundRequest: [messageSize, recordRouteLength, subscriptionMinExpires, presenceAccept, pidfBody],
  outboundRequest: [],
  response: [subscriptionMaxExpires],
};

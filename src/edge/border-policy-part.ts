// P1-P9, G2: the border policy for one configuration; built at start and again on each reload.

import type { EdgeConfig } from '../config/config-schema.js';
import type { PolicyDocumentFetcher } from '../discovery/policy-document-fetcher.js';
import type { EdgeMetrics } from '../observability/edge-metrics.js';
import type { Logger } from '../observability/logger.js';
import { BorderPolicy } from '../policy/border-policy.js';
import { DEFAULT_CHAINS } from '../policy/chains.js';
import { createCommunityFacts } from '../policy/community-facts.js';
import type { PeerLimitTable } from '../policy/peer-limits.js';
import type { SubscriptionTracker } from '../policy/subscriptions/subscription-tracker.js';
import type { StateStore } from '../state/state-store.js';

export interface PolicyState {
  readonly store: StateStore;
  readonly tracker: SubscriptionTracker;
  readonly now: () => number;
  readonly limits: PeerLimitTable;
  readonly policyDocuments: PolicyDocumentFetcher;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
}

export function createBorderPolicy(config: EdgeConfig, state: PolicyState): BorderPolicy {
  const { limits, metrics } = state;
  return new BorderPolicy({
    ...(config.policyDocument.fetch ? { peerPolicyOf: (peer: string) => state.policyDocuments.documentOf(peer) } : {}),
    chains: DEFAULT_CHAINS,
    store: state.store,
    subscriptions: state.tracker,
    now: state.now,
    localDomains: new Set(config.domains),
    decisions: { inc: (labels) => metrics.policyDecisions.inc({ ...labels, peer: metrics.peerLabel.of(labels.peer) }) },
    log: state.log,
    community: createCommunityFacts(config.policy),
    limitsFor: (peer) => limits.limitsFor(peer),
    modeOf: (rule) => config.policy.rules[rule] ?? config.policy.mode,
  });
}

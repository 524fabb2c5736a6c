// I2, P7-P9, X3: the built-in registrar and presence server (when `internal` asks for them), the
// subscription supervisor that revalidates and removes, and user removal as the admin API calls it.

import type { Community } from '../community/create-community.js';
import type { FlowFinder } from '../community/outbound-flows.js';
import { startCommunity, type RunningCommunity } from '../community/start-community.js';
import { parseAddress } from '../sip/address-of-record.js';
import type { SubscriptionActions } from '../policy/subscriptions/subscription-actions.js';
import { SubscriptionSupervisor, type RemovalReport } from '../policy/subscriptions/subscription-supervisor.js';
import type { SubscriptionTracker } from '../policy/subscriptions/subscription-tracker.js';
import type { LocalAddresses } from '../proxy/local-addresses.js';
import type { StateStore } from '../state/state-store.js';
import type { Foundation } from './foundation.js';

export interface CommunityPart {
  readonly community: Community | undefined;
  readonly supervisor: SubscriptionSupervisor;
  /** X3: the removal the admin API asks for, through the registrar when it is built in. */
  removeUser(address: string): Promise<RemovalReport>;
  stop(): void;
}

export interface CommunityPartDeps {
  readonly store: StateStore;
  readonly tracker: SubscriptionTracker;
  /** How the edge sends its own in-dialog requests (NOTIFY, X3's terminations). */
  readonly actions: SubscriptionActions;
  /** How the built-in presence server sends its NOTIFYs (through the outbound chain, P8); `actions` when absent. */
  readonly presenceActions?: SubscriptionActions;
  readonly local: LocalAddresses;
  /** SPEC I6: the edge's flows, which RFC 5626 bindings record and hold. */
  readonly flows: FlowFinder;
}

export async function startCommunityPart(base: Foundation, deps: CommunityPartDeps): Promise<CommunityPart> {
  const { config, now, clock, log } = base;
  const running = await startCommunity(config, {
    store: deps.store,
    now,
    clock,
    log,
    actions: deps.presenceActions ?? deps.actions,
    contactFor: (side, protocol) => deps.local.contactUri(side, protocol),
    outbound: { flows: deps.flows, metrics: base.metrics.outbound },
  });
  const supervisor = new SubscriptionSupervisor({
    tracker: deps.tracker,
    actions: deps.actions,
    store: deps.store,
    clock,
    now,
    log,
    revalidateAfterSeconds: config.policy.subscriptions.revalidateAfterSeconds,
    tombstoneSeconds: config.policy.limits.tombstoneSeconds,
  });
  supervisor.start();
  return {
    community: running?.community,
    supervisor,
    removeUser: userRemoval(running, supervisor),
    stop: () => {
      supervisor.stop();
      running?.stop();
    },
  };
}

/**
 * X3: a user removed through the registrar is tombstoned and its external watchers told; the admin
 * API removes through the registrar too (when built in), and reports what X3 did.
 */
function userRemoval(
  running: RunningCommunity | undefined,
  supervisor: SubscriptionSupervisor,
): (address: string) => Promise<RemovalReport> {
  const community = running?.community;
  if (community === undefined) return (address) => supervisor.removeUser(address);
  const removals = new Map<string, RemovalReport>();
  community.registrar.onUserRemoved({
    removeUser: async (address) => removals.set(address, await supervisor.removeUser(address)),
  });
  return async (address) => {
    const aor = parseAddress(address);
    await community.registrar.removeUser(aor);
    const report = removals.get(aor) ?? { address: aor, watchers: 0, acknowledged: 0 };
    removals.delete(aor);
    return report;
  };
}

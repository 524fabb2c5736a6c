// Everything built once the listeners are bound (their addresses name the edge in Via, Record-Route
// and Contact), in the order a request meets it: the state store and the policy it holds, the
// transaction layer, the community's built-in components, the router, then the proxy core that ties
// them together and becomes the transaction layer's user.

import type { EdgeConfig } from '../config/config-schema.js';
import { ImplicitAuthority } from '../proxy/implicit-authority.js';
import { InDialogSender } from '../proxy/in-dialog-sender.js';
import type { LocalAddresses } from '../proxy/local-addresses.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import { TopologyHiding } from '../proxy/topology-hiding.js';
import { PeerLimitTable } from '../policy/peer-limits.js';
import { VOLATILE_KEY_PREFIXES } from '../state/store-keys.js';
import { SubscriptionTracker } from '../policy/subscriptions/subscription-tracker.js';
import { createStateStore } from '../state/create-state-store.js';
import type { StateStore } from '../state/state-store.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import { createBorderPolicy, type PolicyState } from './border-policy-part.js';
import { endFlowState, type DepartureKind } from '../community/flow-departure.js';
import { startCommunityPart, type CommunityPart } from './community-part.js';
import type { EdgeOptions } from './edge-types.js';
import type { Foundation } from './foundation.js';
import type { NetworkPart } from './network-part.js';
import { attachProxyCore, createTransactionPart, type ProxyPartDeps } from './request-path.js';
import { createRouter } from './router-part.js';

export interface RunningStack {
  readonly store: StateStore;
  readonly transactions: TransactionLayer;
  readonly proxy: ProxyCore;
  readonly community: CommunityPart;
  /** The peer limits in force (they change on reload). */
  limits(): PeerLimitTable;
  /** O2: the parts a configuration decides, built again for new requests. */
  reconfigure(next: EdgeConfig): void;
}

export async function assembleStack(
  options: EdgeOptions,
  base: Foundation,
  network: NetworkPart,
  local: LocalAddresses,
): Promise<RunningStack> {
  const { config, log } = base;
  const { store, tracker } = await openState(options, base);
  let limits = new PeerLimitTable(config);
  const policyState = (table: PeerLimitTable): PolicyState => ({ ...base, store, tracker, limits: table });
  const built = { clock: base.clock, timers: config.limits.timers, responses: network.responses };
  const layer = createTransactionPart(built);
  const actions = new InDialogSender({ transactions: layer, flows: network.peers, local, log });
  const community = await startCommunityPart(base, { store, tracker, actions, local });
  const builtin = community.community;
  if (builtin !== undefined) {
    const counted = (ended: DepartureKind, n: number) => base.metrics.webSocketDepartures.inc({ ended }, n);
    network.whenFlowCloses((flow) => void endFlowState(flow, { community: builtin, log, counted }));
  }
  const routerParts = { base, local, community: community.community, given: options.router };
  const topology = config.community.topologyHiding
    ? new TopologyHiding({ key: await TopologyHiding.sharedKey(store), local })
    : undefined;
  const { transactions, proxy } = attachProxyCore(layer, built, {
    ...proxyParts(config, base, network, local),
    ...(topology === undefined ? {} : { topology }),
    ...(community.community?.proxyAuthentication === undefined
      ? {}
      : { internalAuthentication: community.community.proxyAuthentication }),
    router: createRouter(config, routerParts),
    policy: createBorderPolicy(config, policyState(limits)),
    routeModeOf: (step) => config.policy.rules[step],
  });
  return {
    store,
    transactions,
    proxy,
    community,
    limits: () => limits,
    reconfigure(next) {
      limits = new PeerLimitTable(next);
      base.policyDocuments.reconfigure(next.policyDocument);
      base.peerDirectory.reconfigure(next);
      proxy.reconfigure({
        policy: createBorderPolicy(next, policyState(limits)),
        router: createRouter(next, routerParts),
        federation: base.peerDirectory,
        authority: authorityOf(next, base),
        routeModeOf: (step) => next.policy.rules[step],
      });
    },
  };
}

/** The state store the configuration names (or the one given), with the P7-P9 subscription dialogs loaded. */
async function openState(
  options: EdgeOptions,
  base: Foundation,
): Promise<{ store: StateStore; tracker: SubscriptionTracker }> {
  const { config, now, log } = base;
  const store =
    options.store ?? (await createStateStore(config.state, { now, volatilePrefixes: VOLATILE_KEY_PREFIXES }));
  // P7-P9, X3: live subscriptions survive a restart through the store.
  const tracker = new SubscriptionTracker({ store, maxDialogs: config.policy.subscriptions.maxDialogs, log });
  await tracker.load(now());
  return { store, tracker };
}

/** The proxy core's parts that neither the policy nor the router decide. */
function proxyParts(
  config: EdgeConfig,
  base: Foundation,
  network: NetworkPart,
  local: LocalAddresses,
): Omit<ProxyPartDeps, 'router' | 'policy'> {
  return {
    flows: network.peers,
    local,
    limits: config.limits,
    log: base.log,
    metrics: base.metrics,
    federation: base.peerDirectory,
    ...(base.audit === undefined ? {} : { audit: base.audit }),
    servedDomains: new Set(config.domains),
    maxPendingRequests: config.limits.maxPendingRequests,
    authority: authorityOf(config, base),
  };
}

/** F7: the agreements, and the peers whose certificates speak for other domains (D1). */
function authorityOf(config: EdgeConfig, base: Foundation): ImplicitAuthority {
  return new ImplicitAuthority([...config.agreements, ...base.peerDirectory.identitySpeakers()]);
}

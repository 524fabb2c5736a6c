// G1: the limits in force for one peer. A peer with an agreement gets policy.limits with the
// agreement's overrides; a statically routed peer gets policy.limits; any other (discovered) peer gets
// policy.limits with the stricter policy.discovered overrides (Y1).

import type { EdgeConfig } from '../config/config-schema.js';
import type { LimitOverrides } from '../config/policy-schema.js';
import type { PeerLimits } from './border-policy.js';
import type { PolicyLimits } from './policy-limits.js';

export class PeerLimitTable {
  readonly #base: PolicyLimits;
  readonly #discovered: PeerLimits;
  readonly #byPeer: ReadonlyMap<string, PeerLimits>;
  readonly #provisioned: ReadonlySet<string>;

  constructor(config: Pick<EdgeConfig, 'policy' | 'agreements' | 'limits' | 'routes'>) {
    const { limits, discovered } = config.policy;
    this.#base = {
      ...limits,
      maxMessageBytes: limits.maxMessageBytes ?? config.limits.maxMessageBytes,
      maxRecordRouteBytes: limits.maxRecordRouteBytes ?? config.limits.maxRecordRouteBytes,
      peerAssertsTrust: false,
    } as PolicyLimits;
    this.#discovered = { limits: merge(this.#base, discovered), discovered: true };
    this.#byPeer = new Map(
      config.agreements.map((a) => [
        a.peer.toLowerCase(),
        { limits: { ...merge(this.#base, a.limits), peerAssertsTrust: a.assertsTrust }, discovered: false },
      ]),
    );
    this.#provisioned = new Set(config.routes.map((r) => r.domain.toLowerCase()));
  }

  limitsFor(peer: string): PeerLimits {
    const key = peer.toLowerCase();
    const agreed = this.#byPeer.get(key);
    if (agreed !== undefined) return agreed;
    return this.#provisioned.has(key) ? { limits: this.#base, discovered: false } : this.#discovered;
  }
}

function merge(base: PolicyLimits, overrides: LimitOverrides): PolicyLimits {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...base, ...defined } as PolicyLimits;
}

// SPEC I7: a browser that disappears — its WebSocket closed, or silent past the ping timeout — leaves
// nothing behind: its bindings end, its subscriptions end, and the state it published goes, so its
// watchers see it go offline now rather than when the registration would have expired.
import type { Logger } from '../observability/logger.js';
import type { Flow } from '../transport/flow.js';
import type { Community } from './create-community.js';

export type DepartureKind = 'binding' | 'subscription' | 'publication';

export interface DepartureOptions {
  readonly community: Community;
  readonly log: Logger;
  /** For the metric: how many of each kind the departure ended. */
  readonly counted: (kind: DepartureKind, count: number) => void;
}

/** Ends what the closed flow held; resolves once the store has it. Never rejects (failures are logged). */
export async function endFlowState(flow: Flow, options: DepartureOptions): Promise<void> {
  if (!flow.reliable) return; // a datagram flow is no client's only way in
  const { community, log, counted } = options;
  const gone = { protocol: flow.protocol, address: flow.remote.address, port: flow.remote.port };
  try {
    const addresses = await community.registrar.flowClosed(gone);
    const presence = await community.presence?.flowClosed(gone);
    const subscriptions = presence?.subscriptionsEnded ?? 0;
    const publications = presence?.presentitiesChanged ?? [];
    if (addresses.length + subscriptions + publications.length === 0) return;
    counted('binding', addresses.length);
    counted('subscription', subscriptions);
    counted('publication', publications.length);
    log.info(
      { flow: flow.id, addresses, subscriptionsEnded: subscriptions, presentitiesChanged: publications },
      'I7 client connection closed: its bindings, subscriptions and publications ended',
    );
  } catch (error) {
    log.warn({ flow: flow.id, err: String(error) }, 'I7 state of a closed client connection not ended');
  }
}

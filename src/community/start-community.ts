// The built-in community as the edge runs it (SPEC I2): created when `internal` names builtin for the
// registrar or the presence server, its users file loaded, and the presence server's sweep running on
// the edge's clock until stopped. Keeps the composition root (src/edge.ts) to one call.
import type { Clock } from '../clock/clock.js';
import type { EdgeConfig } from '../config/config-schema.js';
import type { Logger } from '../observability/logger.js';
import type { SubscriptionActions } from '../policy/subscriptions/subscription-actions.js';
import type { StateStore } from '../state/state-store.js';
import type { Side, TransportProtocol } from '../transport/flow.js';
import type { OutboundMetrics } from '../observability/outbound-metrics.js';
import { createCommunity, type Community } from './create-community.js';
import type { FlowFinder } from './outbound-flows.js';
import { loadUsersFile } from './users-file.js';

/** How often the presence server looks for subscriptions that ran out and publications that expired. */
const PRESENCE_SWEEP_MS = 10_000;

export interface CommunityRuntime {
  readonly store: StateStore;
  readonly now: () => number;
  readonly clock: Clock;
  readonly log: Logger;
  /** How the presence server sends NOTIFYs (src/proxy/in-dialog-sender.ts). */
  readonly actions: SubscriptionActions;
  /** The edge's own Contact URI on a side (LocalAddresses.contactUri). */
  readonly contactFor: (side: Side, protocol: TransportProtocol) => string;
  /** SPEC I6: the edge's flows and the metrics of RFC 5626 bindings; absent, bindings are plain. */
  readonly outbound?: { readonly flows: FlowFinder; readonly metrics: OutboundMetrics };
}

export interface RunningCommunity {
  readonly community: Community;
  stop(): void;
}

export async function startCommunity(
  config: EdgeConfig,
  runtime: CommunityRuntime,
): Promise<RunningCommunity | undefined> {
  if (config.internal.registrar !== 'builtin' && config.internal.presence !== 'builtin') return undefined;
  const { log } = runtime;
  const community = await createCommunity({
    config,
    store: runtime.store,
    now: runtime.now,
    presence: {
      actions: runtime.actions,
      contactFor: runtime.contactFor,
      onError: (error) => log.warn({ err: String(error) }, 'presence server: NOTIFY not sent'),
    },
    ...(runtime.outbound === undefined
      ? {}
      : {
          outbound: {
            ...runtime.outbound,
            clock: runtime.clock,
            flowTimerSeconds: config.internal.outbound.flowTimerSeconds,
            log,
          },
        }),
  });
  if (config.community.usersFile !== null) {
    const report = await loadUsersFile(config.community.usersFile, community.directory, community.realm);
    log.info({ added: report.added.length, kept: report.kept.length, refused: report.refused }, 'users file loaded');
  }
  const presence = community.presence;
  const stop =
    presence === undefined ? () => undefined : repeat(runtime.clock, PRESENCE_SWEEP_MS, () => presence.sweep(), log);
  return { community, stop };
}

/** Run `work` every `intervalMs` on the edge's clock until the returned stop is called. */
function repeat(clock: Clock, intervalMs: number, work: () => Promise<unknown>, log: Logger): () => void {
  let timer = clock.setTimer(intervalMs, tick);
  let stopped = false;
  function tick(): void {
    work()
      .catch((error: unknown) => log.warn({ err: String(error) }, 'presence sweep failed'))
      .finally(() => {
        if (!stopped) timer = clock.setTimer(intervalMs, tick);
      });
  }
  return () => {
    stopped = true;
    timer.cancel();
  };
}

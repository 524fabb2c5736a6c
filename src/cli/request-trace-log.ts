// O4 at `log.level: debug`: one line per step of a request's life in the proxy core — received,
// decided, relayed, answered — each with its Call-ID and transaction, so an operator follows a call
// through the edge without the audit log. The lines come from the proxy's diagnostics_channel events
// (src/proxy/request-lifecycle.ts), subscribed only while the logger is at debug or trace: at info the
// proxy sees no subscriber and publishes nothing. The level may change at run time (SIGHUP, admin API).

import diagnostics from 'node:diagnostics_channel';
import type { Logger } from '../observability/logger.js';
import type { RouteTarget } from '../routing/route-types.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { lifecycle } from '../proxy/request-lifecycle.js';

interface LifecycleEvent {
  readonly request: IncomingRequest;
  readonly transaction: string;
  readonly decision?: string;
  readonly targets?: readonly RouteTarget[];
  readonly status?: number;
}

type Step = keyof typeof lifecycle;

/** Follows the logger's level; returns what detaches it (the edge's stop). */
export function traceRequestsAtDebug(logger: Logger): () => void {
  const handlers = new Map<Step, (message: unknown) => void>(
    (Object.keys(lifecycle) as Step[]).map((step) => [step, (message) => logStep(logger, step, message)]),
  );
  let subscribed = false;
  const follow = (): void => {
    const wanted = logger.isLevelEnabled('debug');
    if (wanted === subscribed) return;
    subscribed = wanted;
    for (const [step, handler] of handlers) {
      const channel = `simple-edge:request:${step}`;
      if (wanted) diagnostics.subscribe(channel, handler);
      else diagnostics.unsubscribe(channel, handler);
    }
  };
  follow();
  logger.on('level-change', follow);
  return () => {
    logger.off('level-change', follow);
    if (subscribed)
      for (const [step, handler] of handlers) diagnostics.unsubscribe(`simple-edge:request:${step}`, handler);
    subscribed = false;
  };
}

function logStep(logger: Logger, step: Step, message: unknown): void {
  const event = message as LifecycleEvent;
  const request = event.request;
  const line: Record<string, unknown> = {
    callId: request.headers.get('call-id'),
    transaction: event.transaction,
    method: request.method,
  };
  if (step === 'received') line.requestUri = request.requestUriText;
  if (event.decision !== undefined) line.decision = event.decision;
  if (event.targets !== undefined) line.targets = event.targets.map(describeTarget);
  if (step === 'answered') line.status = event.status ?? 'none';
  logger.debug(line, `request ${step}`);
}

function describeTarget(target: RouteTarget): string {
  const host = target.address.includes(':') ? `[${target.address}]` : target.address;
  return `${target.protocol} ${host}:${target.port} (${target.side})`;
}

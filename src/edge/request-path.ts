// The transaction layer and the proxy core. The layer comes first, unattached: the edge's own
// in-dialog requests (community, X3) and the proxy core start client transactions on it. The proxy
// core, once its router exists, becomes the layer's user through attach(), and only then does the
// layer receive anything. Test harnesses build the pair through here too.

import type { Clock } from '../clock/clock.js';
import { ProxyCore, type ProxyCoreDeps } from '../proxy/proxy-core.js';
import type { ResponseDispatcher } from '../proxy/response-dispatcher.js';
import { TransactionLayer, type UnattachedTransactionLayer } from '../transaction/transaction-layer.js';
import type { TransactionTimers } from '../transaction/transaction-timers.js';

export interface TransactionPartOptions {
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  readonly responses: ResponseDispatcher;
}

export function createTransactionPart(options: TransactionPartOptions): UnattachedTransactionLayer {
  return TransactionLayer.unattached({
    clock: options.clock,
    timers: options.timers,
    responseSender: options.responses,
  });
}

/** What the proxy core needs beyond the transaction layer and what that layer was built with. */
export type ProxyPartDeps = Omit<ProxyCoreDeps, 'transactions' | 'findInviteServerTransaction' | 'clock' | 'responses'>;

export interface RequestPath {
  readonly transactions: TransactionLayer;
  readonly proxy: ProxyCore;
}

/** The proxy core on the unattached layer, attached as its user. */
export function attachProxyCore(
  layer: UnattachedTransactionLayer,
  built: TransactionPartOptions,
  deps: ProxyPartDeps,
): RequestPath {
  const proxy = new ProxyCore({
    ...deps,
    transactions: layer,
    clock: built.clock,
    responses: built.responses,
    findInviteServerTransaction: (cancel, flow) => layer.findInviteServerTransaction(cancel, flow),
  });
  return { transactions: layer.attach(proxy), proxy };
}

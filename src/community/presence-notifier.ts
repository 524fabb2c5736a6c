// NOTIFYs of the built-in presence server (RFC 6665 §4.2.2, RFC 3856 §6.6): in the subscription's
// dialog, with its Subscription-State and the composed PIDF, sent through the SubscriptionActions port
// (src/proxy/in-dialog-sender.ts implements it over the transaction layer). Towards a peer's watcher
// the port is the edge's `crossingBorder` one: the NOTIFY meets the outbound chain like one relayed
// from a presence server inside the community, and P8 may hold back an unchanged one (the status is
// then 200, as the peer would have answered; the stored CSeq has moved on regardless, which RFC 3261
// §12.2.1.1 allows: CSeq numbers need only grow).
import { sha256 } from '../state/store-keys.js';
import type { SubscriptionActions } from '../policy/subscriptions/subscription-actions.js';
import type { PresenceSubscriptions, WatcherSubscription } from './presence-subscriptions.js';

export type SubscriptionStatus =
  | { readonly kind: 'active' }
  | { readonly kind: 'terminated'; readonly reason: 'timeout' | 'noresource' | 'deactivated' | 'rejected' };

export interface NotifierOptions {
  readonly actions: SubscriptionActions;
  readonly subscriptions: PresenceSubscriptions;
  readonly now: () => number;
}

export class PresenceNotifier {
  readonly #options: NotifierOptions;

  constructor(options: NotifierOptions) {
    this.#options = options;
  }

  /** Send one NOTIFY; the stored CSeq moves on first, so NOTIFYs sent close together never share one. */
  async notify(subscription: WatcherSubscription, status: SubscriptionStatus, pidf: string): Promise<number> {
    const cseq = subscription.notifyCSeq + 1;
    if (status.kind === 'active')
      await this.#options.subscriptions.save({ ...subscription, notifyCSeq: cseq, lastDigest: sha256(pidf) });
    return this.#options.actions.send({
      method: 'NOTIFY',
      recipient: 'watcher',
      side: subscription.side,
      peer: subscription.peer,
      requestUri: subscription.watcherContact,
      recordRoute: subscription.recordRoute,
      ...(subscription.watcherSource === undefined ? {} : { destination: subscription.watcherSource }),
      from: subscription.notifierTo,
      to: subscription.watcherFrom,
      callId: subscription.callId,
      cseq,
      headers: [
        ['Event', subscription.event],
        ['Subscription-State', this.#state(subscription, status)],
        ['Contact', `<${subscription.contact}>`],
      ],
      body: Buffer.from(pidf, 'utf8'),
      contentType: 'application/pidf+xml',
    });
  }

  #state(subscription: WatcherSubscription, status: SubscriptionStatus): string {
    if (status.kind === 'terminated') return `terminated;reason=${status.reason}`;
    const left = Math.max(0, Math.round((subscription.expiresAt - this.#options.now()) / 1000));
    return `active;expires=${left}`;
  }
}

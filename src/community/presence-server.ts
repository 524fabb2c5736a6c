// The built-in presence server (RFC 3856 over RFC 6665; SPEC I2, P1): SUBSCRIBE answered here with the
// initial NOTIFY after the 200, a NOTIFY to every watcher when a publication changes the presentity's
// state, terminating NOTIFYs on unsubscribe, expiry and user removal (X3). PUBLISH: publication-handler.ts.
import type { CommunityConfig } from '../config/community-schema.js';
import { addressOfRecord } from '../sip/address-of-record.js';
import { sha256 } from '../state/store-keys.js';
import { contactUri } from '../sip/contact-uri.js';
import { newTag } from '../sip/identifiers.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { isWebSocketProtocol, type Side, type TransportProtocol } from '../transport/flow.js';
import { answer, type LocalAnswer } from './community-answer.js';
import { FlowIndex } from './flow-index.js';
import type { RegistrationFlow } from './registration-flow.js';
import { closedPidf, composePidf } from './pidf-composition.js';
import type { PresenceNotifier, SubscriptionStatus } from './presence-notifier.js';
import type { RequestOrigin } from './presence-origin.js';
import type { PresencePublications } from './presence-publications.js';
import { dialogIdOf, type PresenceSubscriptions, type WatcherSubscription } from './presence-subscriptions.js';
import type { PublicationHandler } from './publication-handler.js';
import type { UserDirectory } from './user-directory.js';
import type { WatcherAuthorization } from './watcher-authorization.js';
import { grantedExpires, requestedExpires } from './requested-expires.js';

export interface PresenceServerOptions {
  readonly config: CommunityConfig['presence'];
  /** P1: answer a SUBSCRIBE to an unknown or barred presentity 200 with closed status, not 404/403. */
  readonly confidential: boolean;
  readonly directory: UserDirectory;
  readonly publications: PresencePublications;
  readonly subscriptions: PresenceSubscriptions;
  readonly notifier: PresenceNotifier;
  readonly authorization: WatcherAuthorization;
  readonly publisher: PublicationHandler;
  /** The URI of the edge's listener on a side, for our Contact (RFC 6665 §4.2.1.1). */
  readonly contactFor: (side: Side, protocol: TransportProtocol) => string;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
}

/** What a browser's connection leaves behind when it closes (SPEC I7). */
export interface FlowDeparture {
  readonly subscriptionsEnded: number;
  /** Presentities whose state the browser had published: their watchers were sent the change. */
  readonly presentitiesChanged: readonly string[];
}

export class PresenceServer {
  readonly #options: PresenceServerOptions;
  /** SPEC I7: subscriptions and publications made over each browser's connection. */
  readonly #flowState = new FlowIndex();

  constructor(options: PresenceServerOptions) {
    this.#options = options;
  }

  handle(request: IncomingRequest, origin: RequestOrigin): Promise<LocalAnswer> {
    const answered = this.#handle(request, origin);
    return isWebSocketProtocol(origin.protocol) ? answered.then((a) => this.#noteFlow(request, origin, a)) : answered;
  }

  /**
   * SPEC I7: a browser's connection closed. Nothing reaches it any more, so its subscriptions end
   * without a NOTIFY, and the state it published goes, which its own watchers are told (RFC 3903 §4.4).
   */
  async flowClosed(flow: RegistrationFlow): Promise<FlowDeparture> {
    const { subscriptions, publications } = this.#options;
    let subscriptionsEnded = 0;
    const changed = new Set<string>();
    for (const entry of this.#flowState.take(flow)) {
      const [kind, key, etag] = entry.split(' ') as [string, string, string];
      if (kind === 'subscription') {
        const subscription = await subscriptions.byDialog(key);
        if (subscription === undefined) continue;
        await subscriptions.remove(subscription);
        subscriptionsEnded++;
      } else if ((await publications.find(key, etag)) !== undefined) {
        await publications.remove(key, etag);
        changed.add(key);
      }
    }
    for (const presentity of changed) this.changed(presentity);
    return { subscriptionsEnded, presentitiesChanged: [...changed] };
  }

  #noteFlow(request: IncomingRequest, origin: RequestOrigin, answered: LocalAnswer): LocalAnswer {
    if (answered.status !== 200) return answered;
    const flow = { protocol: origin.protocol, ...origin.source };
    if (request.method === 'PUBLISH') {
      const etag = answered.headers?.find(([name]) => name === 'SIP-ETag')?.[1];
      if (etag !== undefined) this.#flowState.note(flow, `publication ${origin.target} ${etag}`);
    } else if (answered.toTag !== undefined) {
      this.#flowState.note(flow, `subscription ${dialogIdOf(request.callId, request.from.tag ?? '', answered.toTag)}`);
    }
    return answered;
  }

  #handle(request: IncomingRequest, origin: RequestOrigin): Promise<LocalAnswer> {
    if (request.method === 'PUBLISH') return this.#options.publisher.publish(request, origin);
    if (request.method === 'SUBSCRIBE')
      return request.to.tag === undefined ? this.#subscribe(request, origin) : this.#resubscribe(request);
    return Promise.resolve(answer(405, 'RFC 3856 §6 method', { headers: [['Allow', 'SUBSCRIBE, PUBLISH']] }));
  }

  /** Send every watcher of the presentity its new state (RFC 6665 §4.2.2). */
  changed(presentity: string): void {
    this.#run(async () => {
      const pidf = await this.#document(presentity);
      const live = (await this.#options.subscriptions.of(presentity)).filter(
        (s) => !s.concealed && s.expiresAt > this.#options.now(),
      );
      await Promise.all(live.map((s) => this.#options.notifier.notify(s, { kind: 'active' }, pidf)));
    });
  }

  /** X3: the user is gone; its watchers hear terminated;reason=noresource, its publications go. */
  async removeUser(presentity: string): Promise<void> {
    await this.#options.publications.removeAll(presentity);
    await Promise.all((await this.#options.subscriptions.of(presentity)).map((s) => this.#end(s, 'noresource')));
  }

  /**
   * RFC 6665 §4.2.2: a subscription that ran out ends with terminated;reason=timeout; a live one whose
   * document changed without a PUBLISH (a publication expired, RFC 3903 §4.4) gets a NOTIFY.
   */
  async sweep(): Promise<number> {
    const now = this.#options.now();
    const all = await this.#options.subscriptions.all();
    const expired = all.filter((s) => s.expiresAt <= now);
    await Promise.all(expired.map((s) => this.#end(s, 'timeout')));
    const documents = new Map<string, Promise<string>>();
    await Promise.all(
      all
        .filter((s) => s.expiresAt > now && !s.concealed)
        .map(async (s) => {
          if (!documents.has(s.presentity)) documents.set(s.presentity, this.#document(s.presentity));
          const pidf = await documents.get(s.presentity)!;
          if (s.lastDigest !== undefined && s.lastDigest !== sha256(pidf))
            await this.#options.notifier.notify(s, { kind: 'active' }, pidf);
        }),
    );
    return expired.length;
  }

  async #subscribe(request: IncomingRequest, origin: RequestOrigin): Promise<LocalAnswer> {
    const presentity = origin.target;
    const watcher = addressOfRecord(request.from.uri);
    const exists = (await this.#options.directory.get(presentity)) !== undefined;
    const allowed = this.#options.authorization.allows(watcher, presentity);
    const concealed = !exists || !allowed;
    // P1: outside confidential mode say plainly; inside, a closed status tells a harvester nothing.
    if (concealed && !(this.#options.confidential && origin.side === 'external'))
      return answer(exists ? 403 : 404, exists ? 'P1 watcher not allowed' : 'P1 no such presentity');
    const expires = this.#expires(request);
    if (expires === 'malformed') return answer(400, 'RFC 6665 §4.1.2.1 Expires');
    const min = this.#options.config.minExpiresSeconds;
    if (expires > 0 && expires < min)
      return answer(423, 'RFC 6665 §4.2.1.1 Min-Expires', { headers: [['Min-Expires', String(min)]] });
    if ((await this.#options.subscriptions.of(presentity)).length >= this.#options.config.maxSubscriptionsPerPresentity)
      return answer(503, 'I2 too many watchers', { headers: [['Retry-After', '60']] });
    const tag = newTag();
    const subscription: WatcherSubscription = {
      id: dialogIdOf(request.callId, request.from.tag ?? '', tag),
      presentity,
      watcher,
      side: origin.side,
      peer: origin.peer,
      event: request.headers.get('event') ?? 'presence',
      callId: request.callId,
      watcherFrom: request.headers.get('from')!,
      notifierTo: `${request.headers.get('to')!};tag=${tag}`,
      watcherContact: contactOf(request),
      ...(origin.side === 'internal' ? { watcherSource: { protocol: origin.protocol, ...origin.source } } : {}),
      contact: this.#options.contactFor(origin.side, origin.protocol),
      recordRoute: request.headers.getAll('record-route'),
      expiresAt: this.#options.now() + this.#granted(expires) * 1000,
      notifyCSeq: 0,
      concealed,
    };
    // A fetch (Expires: 0) gets one NOTIFY with the state and terminated, and keeps nothing (§4.4.3).
    if (expires > 0) await this.#options.subscriptions.save(subscription);
    return this.#accepted(subscription, expires, tag);
  }

  async #resubscribe(request: IncomingRequest): Promise<LocalAnswer> {
    const id = dialogIdOf(request.callId, request.from.tag ?? '', request.to.tag ?? '');
    const existing = await this.#options.subscriptions.byDialog(id);
    if (existing === undefined) return answer(481, 'RFC 6665 §4.2.1.2 no such subscription');
    const expires = this.#expires(request);
    if (expires === 'malformed') return answer(400, 'RFC 6665 §4.1.2.1 Expires');
    const min = this.#options.config.minExpiresSeconds;
    if (expires > 0 && expires < min)
      return answer(423, 'RFC 6665 §4.2.1.1 Min-Expires', { headers: [['Min-Expires', String(min)]] });
    const refreshed = { ...existing, expiresAt: this.#options.now() + this.#granted(expires) * 1000 };
    if (expires === 0) await this.#options.subscriptions.remove(existing);
    else await this.#options.subscriptions.save(refreshed);
    return this.#accepted(refreshed, expires, undefined);
  }

  /** 200 with Expires, Contact and the Record-Route copied (RFC 3261 §12.1.1), then the NOTIFY (RFC 6665 §4.2.1.2). */
  #accepted(subscription: WatcherSubscription, expires: number, tag: string | undefined): LocalAnswer {
    const headers: Array<[string, string]> = [
      ['Expires', String(this.#granted(expires))],
      ['Contact', `<${subscription.contact}>`],
      ...subscription.recordRoute.map((value): [string, string] => ['Record-Route', value]),
    ];
    const status: SubscriptionStatus = expires === 0 ? { kind: 'terminated', reason: 'timeout' } : { kind: 'active' };
    return answer(200, expires === 0 ? 'RFC 6665 §4.2.1.4 unsubscribed' : 'RFC 6665 §4.2.1.1 accepted', {
      headers,
      ...(tag === undefined ? {} : { toTag: tag }),
      afterAnswer: () =>
        this.#run(async () => this.#options.notifier.notify(subscription, status, await this.#stateFor(subscription))),
    });
  }

  async #end(subscription: WatcherSubscription, reason: 'timeout' | 'noresource'): Promise<void> {
    await this.#options.subscriptions.remove(subscription);
    const pidf = reason === 'noresource' ? closedPidf(subscription.presentity) : await this.#stateFor(subscription);
    await this.#options.notifier.notify(subscription, { kind: 'terminated', reason }, pidf);
  }

  async #stateFor(subscription: WatcherSubscription): Promise<string> {
    return subscription.concealed ? closedPidf(subscription.presentity) : this.#document(subscription.presentity);
  }

  async #document(presentity: string): Promise<string> {
    return composePidf(
      presentity,
      (await this.#options.publications.of(presentity)).map((p) => p.body),
    );
  }

  #expires(request: IncomingRequest): number | 'malformed' {
    return requestedExpires(request, this.#options.config);
  }

  #granted(expires: number): number {
    return grantedExpires(expires, this.#options.config);
  }

  #run(work: () => Promise<unknown>): void {
    work().catch((error: unknown) => this.#options.onError(error));
  }
}

/** The watcher's remote target (RFC 3261 §12.1.1); the From URI when the SUBSCRIBE lacks a usable Contact. */
function contactOf(request: IncomingRequest): string {
  return contactUri(request) ?? request.from.uriText;
}

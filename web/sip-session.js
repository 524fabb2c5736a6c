// One signed-in person: a SIP.js user agent on the edge's WebSocket listener (RFC 7118), its
// registration with the community's registrar (digest credentials), its presence publication
// (RFC 3903), its watch on each buddy (RFC 3856, SUBSCRIBE/NOTIFY) and its pages (RFC 3428 MESSAGE).
// The page (app.js) only sees promises and the callbacks in `events`.

import {
  Messager,
  Publisher,
  PublisherState,
  Registerer,
  Subscriber,
  SubscriptionState,
  UserAgent,
  UserAgentState,
} from './vendor/sip.js/index.js';
import { presenceDocument, readPresence } from './presence-document.js';

const REGISTRATION_SECONDS = 300;
const PUBLICATION_SECONDS = 600;
const SUBSCRIPTION_SECONDS = 600;

/** A request the other side refused: the SIP status tells the person why. */
export class SipRefusal extends Error {
  constructor(status, reason) {
    super(`${status} ${reason}`);
    this.status = status;
  }
}

export class SipSession {
  #address;
  #userAgent;
  #registerer;
  #publisher;
  #publicationId = Math.random().toString(36).slice(2, 10);
  #watches = new Map();
  #events;

  /**
   * Connects to `server` (ws:// or wss://), registers `address` with `password`, and resolves once
   * the registrar accepted. `instanceId`: this browser's UUID (RFC 5626 +sip.instance). `events`:
   * onMessage({ from, text }), onPresence(buddy, { state, note }), onWatchEnded(buddy), onDisconnected(why).
   */
  static async signIn({ address, password, server, instanceId, events }) {
    const session = new SipSession({ address, password, server, instanceId, events });
    try {
      await session.#userAgent.start();
      await session.#register();
    } catch (error) {
      await session.#userAgent.stop().catch(() => undefined);
      throw error;
    }
    return session;
  }

  constructor({ address, password, server, instanceId, events }) {
    const uri = UserAgent.makeURI(`sip:${address}`);
    if (uri === undefined) throw new Error(`not a SIP address: ${address}`);
    this.#address = address;
    this.#events = events;
    this.#userAgent = new UserAgent({
      uri,
      authorizationUsername: uri.user,
      authorizationPassword: password,
      transportOptions: { server },
      logLevel: 'warn',
      delegate: {
        onMessage: (message) => this.#receive(message),
        onDisconnect: (error) => events.onDisconnected(error === undefined ? 'signed out' : error.message),
      },
    });
    // RFC 7118 §5, RFC 5626: a browser cannot be reached at its Contact (a .invalid host), so it
    // registers as an outbound flow (instance and reg-id) and the edge sends its requests back over
    // the WebSocket the registration came on.
    this.#registerer = new Registerer(this.#userAgent, { expires: REGISTRATION_SECONDS, regId: 1, instanceId });
  }

  get address() {
    return this.#address;
  }

  /** Publishes available, busy or away with a note; a later call modifies the same publication. */
  publish(state, note) {
    const entity = `sip:${this.#address}`;
    this.#publisher ??= new ObservedPublisher(this.#userAgent, UserAgent.makeURI(entity), 'presence', {
      expires: PUBLICATION_SECONDS,
      contentType: 'application/pidf+xml',
    });
    return this.#publisher.publishAndWait(presenceDocument({ entity, state, note, id: this.#publicationId }));
  }

  /** Subscribes to a buddy's presence; every NOTIFY reaches events.onPresence, a refusal or end onWatchEnded. */
  watch(buddy) {
    if (this.#watches.has(buddy)) return;
    const target = UserAgent.makeURI(`sip:${buddy}`);
    if (target === undefined) throw new Error(`not a SIP address: ${buddy}`);
    const subscriber = new Subscriber(this.#userAgent, target, 'presence', {
      expires: SUBSCRIPTION_SECONDS,
      extraHeaders: ['Accept: application/pidf+xml'],
    });
    subscriber.delegate = {
      onNotify: (notification) => {
        notification.accept();
        this.#events.onPresence(buddy, readPresence(notification.request.body));
      },
    };
    // SIP.js ends the subscription itself when the SUBSCRIBE is refused or the notifier terminates it.
    subscriber.stateChange.addListener((state) => {
      if (state !== SubscriptionState.Terminated || this.#watches.get(buddy) !== subscriber) return;
      this.#watches.delete(buddy);
      this.#events.onWatchEnded(buddy);
    });
    this.#watches.set(buddy, subscriber);
    subscriber.subscribe();
  }

  unwatch(buddy) {
    const subscriber = this.#watches.get(buddy);
    this.#watches.delete(buddy);
    return subscriber?.unsubscribe().catch(() => undefined);
  }

  /** Sends a page; resolves with the final status when it was delivered (2xx). */
  send(to, text) {
    const target = UserAgent.makeURI(`sip:${to}`);
    if (target === undefined) return Promise.reject(new Error(`not a SIP address: ${to}`));
    const messager = new Messager(this.#userAgent, target, text, 'text/plain');
    return settled((requestDelegate) => messager.message({ requestDelegate }));
  }

  /** Withdraws the watches, the publication and the registration, then closes the WebSocket. */
  async signOut() {
    if (this.#userAgent.state !== UserAgentState.Started) return;
    await Promise.allSettled([...this.#watches.keys()].map((buddy) => this.unwatch(buddy)));
    await Promise.allSettled([this.#publisher?.unpublish(), this.#registerer.unregister()]);
    await this.#userAgent.stop();
  }

  #register() {
    return settled((requestDelegate) => this.#registerer.register({ requestDelegate }));
  }

  #receive(message) {
    message.accept();
    const from = message.request.from.uri;
    this.#events.onMessage({ from: `${from.user}@${from.host}`, text: message.request.body });
  }
}

/**
 * SIP.js's Publisher keeps the entity tag and refreshes the publication; this one also tells the
 * caller how each PUBLISH it asked for ended. Challenges never reach receiveResponse (SIP.js answers
 * them below), and 412 or 423 are resubmitted by the Publisher itself, so their resubmission settles.
 */
class ObservedPublisher extends Publisher {
  #waiting = [];

  publishAndWait(body) {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.publish(body).catch(reject);
    });
  }

  receiveResponse(response) {
    super.receiveResponse(response);
    const status = response.statusCode ?? 0;
    if (status < 200 || ((status === 412 || status === 423) && this.state !== PublisherState.Terminated)) return;
    const waiter = this.#waiting.shift();
    if (status < 300) waiter?.resolve(status);
    else waiter?.reject(new SipRefusal(status, response.reasonPhrase));
  }
}

/**
 * SIP.js resolves its send calls when the request leaves; this waits for the final response,
 * after SIP.js has answered any digest challenge itself.
 */
function settled(send) {
  return new Promise((resolve, reject) => {
    const requestDelegate = {
      onAccept: (response) => resolve(response.message.statusCode),
      onReject: (response) => reject(new SipRefusal(response.message.statusCode, response.message.reasonPhrase)),
      onRedirect: (response) => reject(new SipRefusal(response.message.statusCode, response.message.reasonPhrase)),
    };
    send(requestDelegate).catch(reject);
  });
}

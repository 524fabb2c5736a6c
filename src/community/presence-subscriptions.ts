// The subscriptions the presence server serves as notifier (RFC 6665 §4.2): the dialog each one lives
// in, kept in the StateStore by presentity (for NOTIFY fan-out) and by dialog id (for refreshes).
import { sha256 } from '../state/store-keys.js';
import type { StateStore } from '../state/state-store.js';
import type { Side, TransportProtocol } from '../transport/flow.js';
import { COMMUNITY_PREFIXES, communityKey } from './community-keys.js';

export interface WatcherSubscription {
  readonly id: string;
  readonly presentity: string;
  /** The watcher's address-of-record. */
  readonly watcher: string;
  readonly side: Side;
  /** The watcher's community domain: the TLS server name when it is across the border. */
  readonly peer: string;
  readonly event: string;
  readonly callId: string;
  /** The SUBSCRIBE's From value (the watcher, with its tag) and our To value (with our tag). */
  readonly watcherFrom: string;
  readonly notifierTo: string;
  readonly watcherContact: string;
  /**
   * Where the SUBSCRIBE came from, for a watcher inside the community: NOTIFYs go back there, never to
   * a host its Contact or Record-Route names (SPEC B3, docs/SECURITY.md). Absent across the border,
   * where the peer's authenticated connection carries them.
   */
  readonly watcherSource?: { readonly protocol: TransportProtocol; readonly address: string; readonly port: number };
  /** Our Contact in this dialog (RFC 6665 §4.2.2): the edge's listener on the watcher's side. */
  readonly contact: string;
  /** The SUBSCRIBE's Record-Route values, in order: the route set towards the watcher (RFC 3261 §12.1.1). */
  readonly recordRoute: readonly string[];
  readonly expiresAt: number;
  /** The CSeq of the last NOTIFY sent. */
  readonly notifyCSeq: number;
  /** P1 confidential mode: a watcher who may not see the presentity gets closed status, always. */
  readonly concealed: boolean;
  /** A digest of the last document sent, so the sweep can tell a change (a publication that expired). */
  readonly lastDigest?: string;
}

/** Kept this long past its expiry, so the sweep still finds it to send the terminating NOTIFY. */
const SWEEP_GRACE_MS = 120_000;

export function dialogIdOf(callId: string, watcherTag: string, notifierTag: string): string {
  return sha256(callId, watcherTag, notifierTag).slice(0, 32);
}

export class PresenceSubscriptions {
  readonly #store: StateStore;
  readonly #now: () => number;

  constructor(options: { store: StateStore; now: () => number }) {
    this.#store = options.store;
    this.#now = options.now;
  }

  async byDialog(id: string): Promise<WatcherSubscription | undefined> {
    const presentity = await this.#store.get<string>(communityKey('watcherDialog', id));
    return presentity === undefined
      ? undefined
      : this.#store.get<WatcherSubscription>(communityKey('watcher', presentity, id));
  }

  async of(presentity: string): Promise<WatcherSubscription[]> {
    return (
      await this.#store.list<WatcherSubscription>(`${COMMUNITY_PREFIXES.watcher}${presentity}:`, { limit: 1000 })
    ).map((e) => e.value);
  }

  /** Every subscription (the first 1000 by key), live and expired, for the presence server's sweep. */
  async all(): Promise<WatcherSubscription[]> {
    return (await this.#store.list<WatcherSubscription>(COMMUNITY_PREFIXES.watcher, { limit: 1000 })).map(
      (e) => e.value,
    );
  }

  async save(subscription: WatcherSubscription): Promise<void> {
    const ttlMs = Math.max(1, subscription.expiresAt - this.#now()) + SWEEP_GRACE_MS;
    await this.#store.set(communityKey('watcher', subscription.presentity, subscription.id), subscription, { ttlMs });
    await this.#store.set(communityKey('watcherDialog', subscription.id), subscription.presentity, { ttlMs });
  }

  async remove(subscription: WatcherSubscription): Promise<void> {
    await this.#store.delete(communityKey('watcher', subscription.presentity, subscription.id));
    await this.#store.delete(communityKey('watcherDialog', subscription.id));
  }
}

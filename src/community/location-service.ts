// The registrar's location service (RFC 3261 §10.3 steps 6-8): the bindings of each address-of-record,
// with their expiry in wall-clock time, kept in the StateStore so a restart loses none.
import type { StateStore } from '../state/state-store.js';
import { communityKey } from './community-keys.js';
import type { RegistrationFlow } from './registration-flow.js';

export interface Binding {
  /** The Contact URI the requests for the address go to. */
  readonly uri: string;
  readonly expiresAt: number;
  /** The q-value, 0..1; 1 when absent. */
  readonly q: number;
  readonly callId: string;
  readonly cseq: number;
  /** SPEC I7: requests for this binding go over this connection, not to the Contact (registration-flow.ts). */
  readonly flow?: RegistrationFlow;
}

interface BindingSet {
  readonly bindings: readonly Binding[];
}

export class LocationService {
  readonly #store: StateStore;
  readonly #now: () => number;

  constructor(options: { store: StateStore; now: () => number }) {
    this.#store = options.store;
    this.#now = options.now;
  }

  /** Live bindings, highest q first, then the most recently refreshed. */
  async lookup(address: string): Promise<Binding[]> {
    const set = await this.#store.get<BindingSet>(communityKey('binding', address));
    const now = this.#now();
    return (set?.bindings ?? [])
      .filter((b) => b.expiresAt > now)
      .sort((a, b) => b.q - a.q || b.expiresAt - a.expiresAt);
  }

  /** Replace the address's bindings; an empty list removes the record. */
  async save(address: string, bindings: readonly Binding[]): Promise<void> {
    const key = communityKey('binding', address);
    if (bindings.length === 0) {
      await this.#store.delete(key);
      return;
    }
    const last = Math.max(...bindings.map((b) => b.expiresAt));
    await this.#store.set<BindingSet>(key, { bindings }, { ttlMs: Math.max(1, last - this.#now()) });
  }

  async removeAll(address: string): Promise<void> {
    await this.#store.delete(communityKey('binding', address));
  }
}

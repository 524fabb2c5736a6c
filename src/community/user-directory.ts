// The community's users (SPEC I2): who may register, with H(A1) for each digest algorithm rather than
// the password (RFC 7616 §3.4.2). Kept in the StateStore; `simple-edge users add|remove|list` manage it.
import { parseAddress } from '../sip/address-of-record.js';
import { isTombstoned } from '../state/tombstones.js';
import type { StateStore } from '../state/state-store.js';
import { COMMUNITY_PREFIXES, communityKey } from './community-keys.js';
import { ha1, type DigestAlgorithm } from './digest-algorithm.js';

export interface UserRecord {
  /** The address-of-record, `sip:user@domain`. */
  readonly address: string;
  /** The digest username: the user part of the address. */
  readonly username: string;
  readonly realm: string;
  readonly ha1: Readonly<Record<DigestAlgorithm, string>>;
  readonly createdAt: number;
}

export class UserExistsError extends Error {}
/** Y2: the address was removed less than policy.limits.tombstoneSeconds ago and may not be reassigned. */
export class AddressTombstonedError extends Error {}

export class UserDirectory {
  readonly #store: StateStore;
  readonly #now: () => number;

  constructor(options: { store: StateStore; now?: () => number }) {
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
  }

  async add(options: { address: string; password: string; realm: string }): Promise<UserRecord> {
    const address = parseAddress(options.address);
    if (await isTombstoned(this.#store, address))
      throw new AddressTombstonedError(`${address} was removed and may not be reassigned yet (Y2)`);
    if ((await this.get(address)) !== undefined) throw new UserExistsError(`${address} already exists`);
    const username = usernameOf(address);
    const record: UserRecord = {
      address,
      username,
      realm: options.realm,
      createdAt: this.#now(),
      ha1: {
        'SHA-256': ha1('SHA-256', username, options.realm, options.password),
        MD5: ha1('MD5', username, options.realm, options.password),
      },
    };
    await this.#store.set(communityKey('user', address), record);
    return record;
  }

  get(address: string): Promise<UserRecord | undefined> {
    return this.#store.get<UserRecord>(communityKey('user', parseAddress(address)));
  }

  /** True when the user existed. Tombstoning is the registrar's part (Registrar.removeUser). */
  remove(address: string): Promise<boolean> {
    return this.#store.delete(communityKey('user', parseAddress(address)));
  }

  async list(): Promise<UserRecord[]> {
    const users: UserRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list<UserRecord>(COMMUNITY_PREFIXES.user, {
        limit: 1000,
        ...(after === undefined ? {} : { after }),
      });
      users.push(...page.map((entry) => entry.value));
      if (page.length < 1000) return users;
      after = page[page.length - 1]!.key;
    }
  }
}

function usernameOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(address.indexOf(':') + 1, at);
}

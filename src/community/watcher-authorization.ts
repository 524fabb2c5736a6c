// Who may watch a presentity (RFC 3856 §5.1 leaves authorization to the presence server): watchers of
// this community always; watchers from other domains by community.presence.externalWatchers —
// everyone, those on the presentity's allow-list (an address or `*@domain`), or nobody.
import type { CommunityConfig } from '../config/community-schema.js';
import { parseAddress } from '../sip/address-of-record.js';

export class WatcherAuthorization {
  readonly #localDomains: ReadonlySet<string>;
  readonly #policy: CommunityConfig['presence']['externalWatchers'];
  readonly #allowed: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(options: { localDomains: readonly string[]; presence: CommunityConfig['presence'] }) {
    this.#localDomains = new Set(options.localDomains.map((d) => d.toLowerCase()));
    this.#policy = options.presence.externalWatchers;
    this.#allowed = new Map(
      Object.entries(options.presence.allowedWatchers).map(([presentity, watchers]) => [
        parseAddress(presentity),
        new Set(watchers.map((w) => (w.startsWith('*@') ? w.toLowerCase() : parseAddress(w)))),
      ]),
    );
  }

  /** Both addresses as addresses-of-record (`sip:user@host`). */
  allows(watcher: string, presentity: string): boolean {
    const domain = watcher.slice(watcher.lastIndexOf('@') + 1);
    if (this.#localDomains.has(domain)) return true;
    if (this.#policy !== 'allow-list') return this.#policy === 'allow';
    const list = this.#allowed.get(presentity);
    return list !== undefined && (list.has(watcher) || list.has(`*@${domain}`));
  }
}

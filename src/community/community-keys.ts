// Where the built-in components keep their state in the StateStore (so SQLite survives restarts and
// Redis is shared, O7). Keys are `<prefix><address-of-record>[:<id>]`, parts bounded like the policy's.
import { boundedPart } from '../state/store-keys.js';

export const COMMUNITY_PREFIXES = {
  /** A user of the directory, by address-of-record. Record, no TTL. */
  user: 'user:',
  /** The registrar's bindings of one address-of-record. Record, TTL until the last one expires. */
  binding: 'binding:',
  /** `presence-pub:<presentity>:<entity-tag>`, RFC 3903 event state. Record, TTL its Expires. */
  publication: 'presence-pub:',
  /** `presence-sub:<presentity>:<dialog id>`, a subscription the presence server serves. Record, TTL its Expires + 2 min. */
  watcher: 'presence-sub:',
  /** `presence-dialog:<dialog id>`: the presentity a subscription dialog belongs to. Same TTL. */
  watcherDialog: 'presence-dialog:',
} as const;

export function communityKey(kind: keyof typeof COMMUNITY_PREFIXES, ...parts: string[]): string {
  return COMMUNITY_PREFIXES[kind] + parts.map(boundedPart).join(':');
}

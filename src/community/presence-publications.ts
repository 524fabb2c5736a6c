// RFC 3903 event state: each publication of a presentity under its own entity-tag, with its expiry.
// Kept in the StateStore (TTL = its Expires), so a restart or another instance (O7) sees the same state.
import { randomBytes } from 'node:crypto';
import type { StateStore } from '../state/state-store.js';
import { COMMUNITY_PREFIXES, communityKey } from './community-keys.js';

export interface Publication {
  readonly etag: string;
  readonly presentity: string;
  readonly body: string;
  readonly expiresAt: number;
  /** When this state was published: composition lets the newer win (pidf-composition.ts). */
  readonly publishedAt: number;
}

export class PresencePublications {
  readonly #store: StateStore;
  readonly #now: () => number;

  constructor(options: { store: StateStore; now: () => number }) {
    this.#store = options.store;
    this.#now = options.now;
  }

  async of(presentity: string): Promise<Publication[]> {
    const entries = await this.#store.list<Publication>(`${COMMUNITY_PREFIXES.publication}${presentity}:`, {
      limit: 1000,
    });
    return entries
      .map((e) => e.value)
      .filter((p) => p.expiresAt > this.#now())
      .sort((a, b) => a.publishedAt - b.publishedAt);
  }

  find(presentity: string, etag: string): Promise<Publication | undefined> {
    return this.#store.get<Publication>(communityKey('publication', presentity, etag));
  }

  /**
   * RFC 3903 §4.1: every successful PUBLISH gets a fresh entity-tag; the old one is gone. A refresh
   * (`refreshOf`) keeps its publication time, a modification is new state.
   */
  async put(
    presentity: string,
    body: string,
    seconds: number,
    replacing?: Publication,
    refresh = false,
  ): Promise<Publication> {
    if (replacing !== undefined) await this.remove(presentity, replacing.etag);
    const now = this.#now();
    const publishedAt = refresh && replacing !== undefined ? replacing.publishedAt : now;
    const publication: Publication = {
      etag: randomBytes(9).toString('base64url'),
      presentity,
      body,
      expiresAt: now + seconds * 1000,
      publishedAt,
    };
    await this.#store.set(communityKey('publication', presentity, publication.etag), publication, {
      ttlMs: seconds * 1000,
    });
    return publication;
  }

  async remove(presentity: string, etag: string): Promise<void> {
    await this.#store.delete(communityKey('publication', presentity, etag));
  }

  async removeAll(presentity: string): Promise<void> {
    for (const publication of await this.of(presentity)) await this.remove(presentity, publication.etag);
  }
}

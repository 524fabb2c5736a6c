// Stateless digest nonces (RFC 7616 §3.3 suggests time-stamp + H(time-stamp:secret)): the registrar
// keeps nothing per challenge, and instances sharing the secret through the store accept each other's.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StateStore } from '../state/state-store.js';

const SECRET_KEY = 'community:nonce-secret';

export type NonceCheck = 'valid' | 'stale' | 'invalid';

export class NonceIssuer {
  readonly #secret: Buffer;
  readonly #lifetimeMs: number;
  readonly #now: () => number;

  constructor(options: { secret: Buffer; lifetimeSeconds: number; now: () => number }) {
    this.#secret = options.secret;
    this.#lifetimeMs = options.lifetimeSeconds * 1000;
    this.#now = options.now;
  }

  /** The secret every instance on one store shares (O7), made on first use. */
  static async sharedSecret(store: StateStore): Promise<Buffer> {
    const existing = await store.get<string>(SECRET_KEY);
    if (existing !== undefined) return Buffer.from(existing, 'hex');
    const secret = randomBytes(32);
    await store.set(SECRET_KEY, secret.toString('hex'));
    return secret;
  }

  issue(realm: string): string {
    const stamp = this.#now().toString(36);
    return `${stamp}.${this.#mac(stamp, realm)}`;
  }

  /** RFC 7616 §3.3: an expired but genuine nonce is `stale`, so the client retries without asking the user. */
  check(nonce: string, realm: string): NonceCheck {
    const [stamp, mac] = nonce.split('.', 2);
    if (stamp === undefined || mac === undefined) return 'invalid';
    const expected = Buffer.from(this.#mac(stamp, realm));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    const issuedAt = Number.parseInt(stamp, 36);
    return this.#now() - issuedAt > this.#lifetimeMs ? 'stale' : 'valid';
  }

  #mac(stamp: string, realm: string): string {
    return createHmac('sha256', this.#secret).update(`${stamp}:${realm}`).digest('base64url').slice(0, 32);
  }
}

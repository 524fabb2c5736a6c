// SPEC I4: the Call-ID across the border, kept without any state. A Call-ID crossing the border in
// either direction is mapped by one function: a value this edge sealed opens to the original, any
// other value is sealed. Sealing is deterministic authenticated encryption (AES-256-GCM with a
// synthetic IV, the HMAC of the Call-ID, as in RFC 5297's SIV construction), so every message of a
// dialog (requests both ways, responses, ACK, CANCEL, NOTIFY) maps to the same value on the far side,
// on every instance sharing the key and after a restart, for as long as the dialog lives, and the
// edge holds no table that could grow (B4). A peer sees only ciphertext: equal Call-IDs look equal,
// nothing else shows. Applying the mapping twice gives back the original, so the dialog's two ends
// each keep the Call-ID they know.
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

/** A sealed Call-ID starts with this (RFC 3261 §25.1 `word` characters only follow). */
const SEALED_PREFIX = 'th-';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CallIdMapping {
  readonly #cipherKey: Buffer;
  readonly #ivKey: Buffer;

  /** `key`: the 32-byte topology key every instance shares; two keys are derived from it, one per use. */
  constructor(key: Buffer) {
    this.#cipherKey = createHmac('sha256', key).update('simple-edge I4 call-id cipher').digest();
    this.#ivKey = createHmac('sha256', key).update('simple-edge I4 call-id iv').digest();
  }

  /** The Call-ID on the other side of the border. */
  cross(callId: string): string {
    return this.open(callId) ?? this.seal(callId);
  }

  /** The Call-ID the dialog's originator wrote: the original of a sealed one, any other as it is. */
  original(callId: string): string {
    return this.open(callId) ?? callId;
  }

  seal(callId: string): string {
    const iv = createHmac('sha256', this.#ivKey).update(callId, 'utf8').digest().subarray(0, IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#cipherKey, iv);
    const sealed = Buffer.concat([iv, cipher.update(callId, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_PREFIX}${sealed.toString('base64url')}`;
  }

  /** The original of a Call-ID this edge (or another instance with its key) sealed; undefined otherwise. */
  open(callId: string): string | undefined {
    if (!callId.startsWith(SEALED_PREFIX)) return undefined;
    const sealed = Buffer.from(callId.slice(SEALED_PREFIX.length), 'base64url');
    if (sealed.length <= IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#cipherKey, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined; // a peer's Call-ID that merely looks sealed
    }
  }
}

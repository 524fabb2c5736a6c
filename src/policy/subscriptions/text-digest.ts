// Fast non-cryptographic digests of text (cyrb53), for what the tracker compares or keys on every
// NOTIFY: state digests (53 bits, exact in a double) and dialog ids (96 bits as 16 base64url
// characters). Collision resistance is no security boundary here: whoever could aim a collision at a
// dialog knows its Call-ID and tags, and could simply send requests in it.

const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((c) => c.charCodeAt(0));
const SECOND_SEED = 0x9e3779b9;

/** cyrb53 over `text`: its two 32-bit words. */
function cyrb(text: string, seed: number): readonly [number, number] {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

export function digest53(text: string): number {
  const [low, high] = cyrb(text, 0);
  return 4294967296 * (2097151 & high) + low;
}

/** 96 bits as 16 base64url characters in one flat string (no slice or concatenation), cheap as a Map key. */
export function digest96(text: string): string {
  const [a, b] = cyrb(text, 0);
  const [c] = cyrb(text, SECOND_SEED);
  // Four 24-bit chunks, four characters each.
  const w = a >>> 8;
  const x = ((a & 0xff) << 16) | (b >>> 16);
  const y = ((b & 0xffff) << 8) | (c >>> 24);
  const z = c & 0xffffff;
  const e = (chunk: number, shift: number): number => BASE64URL[(chunk >>> shift) & 63]!;
  return String.fromCharCode(
    e(w, 18),
    e(w, 12),
    e(w, 6),
    e(w, 0),
    e(x, 18),
    e(x, 12),
    e(x, 6),
    e(x, 0),
    e(y, 18),
    e(y, 12),
    e(y, 6),
    e(y, 0),
    e(z, 18),
    e(z, 12),
    e(z, 6),
    e(z, 0),
  );
}

// Character classes of RFC 3261 §25.1 as lookup tables: one array index per character instead of a
// regular expression per call on the hot path.

function table(chars: string, withAlphanumerics: boolean): Uint8Array {
  const t = new Uint8Array(256);
  if (withAlphanumerics) {
    for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
    for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
    for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN_CHARS = table("-.!%*_+`'~", true);

/** word (Call-ID) = token characters plus ( ) < > : \ " / [ ] ? { } */
export const WORD_CHARS = table('-.!%*_+`\'~()<>:\\"/[]?{}', true);

export function isTokenChar(code: number): boolean {
  return code < 256 && TOKEN_CHARS[code] === 1;
}

export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTokenChar(text.charCodeAt(i))) return false;
  return true;
}

/** SP, HTAB, and the CR LF of a folded line: linear white space inside a header value. */
export function isLinearWhiteSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

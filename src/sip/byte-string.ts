// Header text inside the SIP layer is a latin1 "byte string": one character per byte, so offsets are
// byte offsets and received bytes go back on the wire unchanged. Text from elsewhere (a display
// name typed by a person, a UTF-8 reason) is converted at the boundary with these two functions.

const NON_ASCII = /[^\x00-\x7f]/;

/** A JavaScript string → the byte string of its UTF-8 encoding. */
export function toByteString(text: string): string {
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** A byte string holding UTF-8 → a JavaScript string, for logs and people. */
export function fromByteString(bytes: string): string {
  return NON_ASCII.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

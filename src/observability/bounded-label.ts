// Label values that come from the wire (a method token, a peer's domain, a reason) must not let a
// sender create metric series without bound (SPEC B4, docs/SECURITY.md). A BoundedLabel admits the
// first `limit` distinct values as themselves and every later one as a fixed overflow value; a value
// keeps the label it first got, so a gauge moved up and down under it stays consistent.

export class BoundedLabel {
  readonly #limit: number;
  readonly #overflow: string;
  readonly #admitted = new Set<string>();

  constructor(limit: number, overflow = 'other') {
    this.#limit = limit;
    this.#overflow = overflow;
  }

  of(value: string): string {
    if (this.#admitted.has(value)) return value;
    if (this.#admitted.size >= this.#limit) return this.#overflow;
    this.#admitted.add(value);
    return value;
  }
}

/** The methods the edge knows (RFC 3261 and its extensions); any other token is counted as "other". */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
]);

export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

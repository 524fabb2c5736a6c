// Header names: the compact forms of RFC 3261 §7.3.3 (and later RFCs) and the canonical spelling
// used when the edge writes a header of its own. Lookups are case-insensitive (RFC 3261 §7.3.1).

const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  f: 'from',
  t: 'to',
  v: 'via',
  k: 'supported',
  c: 'content-type',
  s: 'subject',
  o: 'event', // RFC 6665
  u: 'allow-events', // RFC 6665
  r: 'refer-to', // RFC 3515
  x: 'session-expires', // RFC 4028
  y: 'identity', // RFC 8224
  b: 'referred-by', // RFC 3892
};

const CANONICAL_SPELLING: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  rack: 'RAck',
  rseq: 'RSeq',
  'sip-etag': 'SIP-ETag', // RFC 3903 §11.3.1
  'sip-if-match': 'SIP-If-Match', // RFC 3903 §11.3.2
};

/** How the edge spells a header key it has no table entry for: each dash-separated word capitalised. */
function spellingOf(key: string): string {
  return (
    CANONICAL_SPELLING[key] ?? key.replace(/(^|-)([a-z])/g, (_, dash: string, ch: string) => dash + ch.toUpperCase())
  );
}

function keyOf(nameAsWritten: string): string {
  const lower = nameAsWritten.toLowerCase();
  return lower.length === 1 ? (COMPACT_FORMS[lower] ?? lower) : lower;
}

/** Header names messages commonly carry, besides the list headers below and the compact forms. */
const COMMON_NAMES = [
  'via',
  'from',
  'to',
  'call-id',
  'cseq',
  'contact',
  'max-forwards',
  'content-length',
  'content-type',
  'record-route',
  'route',
  'expires',
  'min-expires',
  'event',
  'subscription-state',
  'user-agent',
  'server',
  'authorization',
  'www-authenticate',
  'proxy-authorization',
  'proxy-authenticate',
  'authentication-info',
  'retry-after',
  'date',
  'timestamp',
  'organization',
  'priority',
  'subject',
  'identity',
  'sip-etag',
  'sip-if-match',
  'session-expires',
  'min-se',
  'refer-to',
  'referred-by',
  'content-disposition',
  'mime-version',
  'rack',
  'rseq',
  'reply-to',
  'x-trust-level',
];

/**
 * Every spelling of the common names a message is likely to use (as the edge writes them, lowercase,
 * uppercase, compact) mapped to its lookup key and to the edge's own spelling: computed once at load
 * and never written afterwards, so most header lines need no toLowerCase and no module state changes.
 */
function precompute(): { keys: ReadonlyMap<string, string>; spellings: ReadonlyMap<string, string> } {
  const keys = new Map<string, string>();
  const spellings = new Map<string, string>();
  const names = [...COMMON_NAMES, ...LIST_HEADERS_LIST, ...Object.keys(COMPACT_FORMS)];
  for (const name of names) {
    const key = keyOf(name);
    const spelling = spellingOf(key);
    for (const written of [name, name.toUpperCase(), spelling, spelling.toLowerCase()]) {
      keys.set(written, keyOf(written));
      spellings.set(written, spelling);
    }
  }
  return { keys, spellings };
}

/** The lookup key of a header name as written: lowercase, compact forms expanded. */
export function headerKey(nameAsWritten: string): string {
  return KNOWN.keys.get(nameAsWritten) ?? keyOf(nameAsWritten);
}

/** How the edge spells a header it writes itself: "Record-Route", "Call-ID", "CSeq". */
export function canonicalHeaderName(name: string): string {
  return KNOWN.spellings.get(name) ?? spellingOf(keyOf(name));
}

/** Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so values may be split. */
const LIST_HEADERS_LIST: readonly string[] = [
  'via',
  'route',
  'record-route',
  'contact',
  'accept',
  'accept-encoding',
  'accept-language',
  'allow',
  'allow-events',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'warning',
  'alert-info',
  'call-info',
  'error-info',
  'in-reply-to',
  'content-encoding',
  'content-language',
  'path',
  'service-route',
  'p-asserted-identity',
  'reason',
  'security-client',
  'security-server',
  'security-verify',
  'history-info',
];

export const LIST_HEADERS: ReadonlySet<string> = new Set(LIST_HEADERS_LIST);

const KNOWN = precompute();

/** Headers that a well-formed request carries exactly once (RFC 3261 §20, table 2). */
export const SINGLETON_HEADERS: readonly string[] = [
  'call-id',
  'cseq',
  'from',
  'to',
  'max-forwards',
  'content-length',
  'content-type',
  'expires',
  'min-expires',
];

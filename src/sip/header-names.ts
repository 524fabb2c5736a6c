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

// Names repeat across messages; caching the lowercase key avoids a toLowerCase per header line.
const keyCache = new Map<string, string>();
const KEY_CACHE_LIMIT = 4096;

/** The lookup key of a header name as written: lowercase, compact forms expanded. */
export function headerKey(nameAsWritten: string): string {
  const cached = keyCache.get(nameAsWritten);
  if (cached !== undefined) return cached;
  const lower = nameAsWritten.toLowerCase();
  const key = lower.length === 1 ? (COMPACT_FORMS[lower] ?? lower) : lower;
  if (keyCache.size < KEY_CACHE_LIMIT) keyCache.set(nameAsWritten, key);
  return key;
}

const spellingCache = new Map<string, string>();

/** How the edge spells a header it writes itself: "Record-Route", "Call-ID", "CSeq". */
export function canonicalHeaderName(name: string): string {
  const cached = spellingCache.get(name);
  if (cached !== undefined) return cached;
  const key = headerKey(name);
  const spelling =
    CANONICAL_SPELLING[key] ?? key.replace(/(^|-)([a-z])/g, (_, dash: string, ch: string) => dash + ch.toUpperCase());
  if (spellingCache.size < KEY_CACHE_LIMIT) spellingCache.set(name, spelling);
  return spelling;
}

/** Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so values may be split. */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
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
]);

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

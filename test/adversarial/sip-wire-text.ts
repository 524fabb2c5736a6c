// Reading SIP text as it crossed the wire, independently of the edge's own parser: the test must
// not decide where an answer belongs with the code under test. Only what the adversarial tests
// need: unfolded header values, the top Via's sent-by and parameters, and the key that ties a
// response to the request it answers (Call-ID, CSeq and top Via branch, RFC 3261 §17.1.3).

export interface TopVia {
  readonly transport: string;
  /** As written, IPv6 references without brackets. */
  readonly host: string;
  readonly port: number | undefined;
  /** Parameter names (lowercase) to values ('' when the parameter has none). */
  readonly params: ReadonlyMap<string, string>;
}

const COMPACT: Readonly<Record<string, string>> = {
  v: 'via',
  i: 'call-id',
  f: 'from',
  t: 'to',
  l: 'content-length',
  m: 'contact',
};

/** The header block's lines, folding undone (RFC 3261 §7.3.1), start line removed. */
function headerLines(text: string): string[] {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  return head
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')
    .slice(1);
}

/** Every value of a header (full name, lowercase), compact forms included, in order. */
export function headerValues(text: string, name: string): string[] {
  const values: string[] = [];
  for (const line of headerLines(text)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    if ((COMPACT[raw] ?? raw) === name) values.push(line.slice(colon + 1).trim());
  }
  return values;
}

/** Every Via value, comma-separated ones split (none of the corpus quotes a comma inside a Via). */
export function viaValues(text: string): string[] {
  return headerValues(text, 'via')
    .flatMap((value) => value.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function parseVia(value: string): TopVia | undefined {
  const match = /^SIP\s*\/\s*[\d.]+\s*\/\s*([A-Za-z]+)\s+(\[[^\]]*\]|[^\s;:[\]]+)\s*(?::\s*(\d+))?\s*(.*)$/s.exec(
    value,
  );
  if (match === null) return undefined;
  const params = new Map<string, string>();
  for (const part of match[4]!
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const equals = part.indexOf('=');
    params.set(
      (equals < 0 ? part : part.slice(0, equals)).trim().toLowerCase(),
      equals < 0 ? '' : part.slice(equals + 1).trim(),
    );
  }
  const host = match[2]!.startsWith('[') ? match[2]!.slice(1, -1) : match[2]!;
  return {
    transport: match[1]!.toUpperCase(),
    host,
    port: match[3] === undefined ? undefined : Number(match[3]),
    params,
  };
}

export function topVia(text: string): TopVia | undefined {
  const first = viaValues(text)[0];
  return first === undefined ? undefined : parseVia(first);
}

/** Call-ID, CSeq and top Via branch: equal for a request and every response to it. */
export function transactionKey(text: string): string {
  const cseq = (headerValues(text, 'cseq')[0] ?? '').replace(/\s+/g, ' ');
  return [headerValues(text, 'call-id')[0] ?? '', cseq, topVia(text)?.params.get('branch') ?? ''].join('|');
}

/** The status of a response's start line, undefined for anything else. */
export function responseStatus(text: string): number | undefined {
  const match = /^SIP\/2\.0 (\d{3})/.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/** IPv4 form of an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2), else the address unchanged. */
export function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match === null ? address.toLowerCase() : match[1]!;
}

// POSIX Extended Regular Expressions (IEEE 1003.1 §9.4), the dialect of NAPTR regexps (RFC 3402
// §3.2), rewritten as JavaScript RegExp source. Everything ERE leaves undefined or JavaScript would
// read differently (back-references, "(?", "\d", a repetition of a repetition) is refused, so a
// rule means the same here as in any other ENUM client — or nothing at all.

export class EreSyntaxError extends Error {}

export interface TranslatedEre {
  readonly source: string;
  /** The number of capturing groups, for checking \1-\9 in the replacement. */
  readonly groups: number;
}

const SYNTAX_CHARACTERS = '^$\\.*+?()[]{}|/';
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\r\\f\\v',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
};
/** RE_DUP_MAX, the least value POSIX lets an implementation have. */
const MAX_REPEAT = 255;

interface Scan {
  readonly ere: string;
  /** The NAPTR field's delimiter, which a backslash escapes whatever character it is. */
  readonly delimiter: string;
  i: number;
  out: string;
  depth: number;
  groups: number;
  /** What the last token was, to refuse a repetition with nothing (or a repetition) before it. */
  last: 'start' | 'atom' | 'repeat';
}

export function translateEre(ere: string, delimiter = '/'): TranslatedEre {
  const scan: Scan = { ere, delimiter, i: 0, out: '', depth: 0, groups: 0, last: 'start' };
  while (scan.i < ere.length) step(scan);
  if (scan.depth > 0) throw new EreSyntaxError(`${scan.depth} "(" without a closing ")"`);
  return { source: scan.out, groups: scan.groups };
}

function step(scan: Scan): void {
  const c = scan.ere[scan.i]!;
  switch (c) {
    case '\\':
      return escape(scan);
    case '[':
      return bracket(scan);
    case '(':
      return open(scan);
    case ')':
      return close(scan);
    case '*':
    case '+':
    case '?':
      return repeat(scan, c, 1);
    case '{':
      return interval(scan);
    case '|':
    case '^':
    case '$':
      return emit(scan, c, 1, 'start');
    case '.':
      return emit(scan, '.', 1, 'atom');
    default:
      return emit(scan, literal(c), 1, 'atom');
  }
}

function emit(scan: Scan, text: string, consumed: number, last: Scan['last']): void {
  scan.out += text;
  scan.i += consumed;
  scan.last = last;
}

function literal(c: string): string {
  return SYNTAX_CHARACTERS.includes(c) ? `\\${c}` : c;
}

function escape(scan: Scan): void {
  const next = scan.ere[scan.i + 1];
  if (next === undefined) throw new EreSyntaxError('ends with a lone "\\"');
  if (next !== scan.delimiter && /[0-9A-Za-z]/.test(next)) {
    throw new EreSyntaxError(
      `"\\${next}" at offset ${scan.i} is undefined in an ERE (back-references and classes such as \\d are not ERE)`,
    );
  }
  emit(scan, literal(next), 2, 'atom');
}

function open(scan: Scan): void {
  if (scan.ere[scan.i + 1] === '?') throw new EreSyntaxError(`"(?" at offset ${scan.i} is not ERE syntax`);
  scan.depth++;
  scan.groups++;
  emit(scan, '(', 1, 'start');
}

function close(scan: Scan): void {
  if (scan.depth === 0) throw new EreSyntaxError(`")" at offset ${scan.i} has no opening "("`);
  scan.depth--;
  emit(scan, ')', 1, 'atom');
}

function repeat(scan: Scan, text: string, consumed: number): void {
  if (scan.last === 'start')
    throw new EreSyntaxError(`"${scan.ere.slice(scan.i, scan.i + consumed)}" at offset ${scan.i} repeats nothing`);
  if (scan.last === 'repeat')
    throw new EreSyntaxError(`"${scan.ere.slice(scan.i, scan.i + consumed)}" at offset ${scan.i} repeats a repetition`);
  emit(scan, text, consumed, 'repeat');
}

function interval(scan: Scan): void {
  const match = /^\{([0-9]+)(,([0-9]*))?\}/.exec(scan.ere.slice(scan.i));
  if (match === null) throw new EreSyntaxError(`"{" at offset ${scan.i} does not start an interval {n}, {n,} or {n,m}`);
  const low = Number(match[1]);
  const high = match[3] === undefined || match[3] === '' ? undefined : Number(match[3]);
  if (low > MAX_REPEAT || (high !== undefined && (high > MAX_REPEAT || high < low))) {
    throw new EreSyntaxError(`interval "${match[0]}" at offset ${scan.i} is out of order or above ${MAX_REPEAT}`);
  }
  repeat(scan, match[0], match[0].length);
}

/** A bracket expression: "]" first is literal, "\" is literal inside, [:class:] names a class. */
function bracket(scan: Scan): void {
  const { ere } = scan;
  const start = scan.i;
  let i = start + 1;
  let out = '[';
  if (ere[i] === '^') {
    out += '^';
    i++;
  }
  for (let first = true; ; first = false) {
    const c = ere[i];
    if (c === undefined) throw new EreSyntaxError(`"[" at offset ${start} has no closing "]"`);
    if (c === ']' && !first) break;
    if (c === '[' && (ere[i + 1] === ':' || ere[i + 1] === '=' || ere[i + 1] === '.')) {
      const { text, end } = bracketClass(ere, i);
      out += text;
      i = end;
      continue;
    }
    out += c === '-' && !first && ere[i + 1] !== ']' ? '-' : bracketLiteral(c);
    i++;
  }
  emit(scan, `${out}]`, i + 1 - start, 'atom');
}

function bracketLiteral(c: string): string {
  return '\\]^-['.includes(c) ? `\\${c}` : c;
}

function bracketClass(ere: string, at: number): { text: string; end: number } {
  const kind = ere[at + 1]!;
  const close = ere.indexOf(`${kind}]`, at + 2);
  if (close < 0) throw new EreSyntaxError(`"[${kind}" at offset ${at} has no closing "${kind}]"`);
  const name = ere.slice(at + 2, close);
  if (kind === ':') {
    const ranges = POSIX_CLASSES[name];
    if (ranges === undefined) throw new EreSyntaxError(`"[:${name}:]" at offset ${at} is not a POSIX character class`);
    return { text: ranges, end: close + 2 };
  }
  // [=c=] and [.c.]: only single characters, which is all a C locale knows.
  if ([...name].length !== 1)
    throw new EreSyntaxError(`"[${kind}${name}${kind}]" at offset ${at} names no single character`);
  return { text: bracketLiteral(name), end: close + 2 };
}

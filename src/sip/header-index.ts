// The header block, indexed once: where each header field starts, where its value starts and ends,
// and its lookup key. No header grammar is parsed here; grammars run only when a value is asked for,
// and unchanged header lines are forwarded as their original bytes (see outgoing-message.ts).

import { EdgeError } from '../errors.js';
import { isLinearWhiteSpace, isTokenChar } from './char-classes.js';
import { headerKey, LIST_HEADERS } from './header-names.js';
import { splitHeaderList } from './header-list.js';

export interface HeaderField {
  /** Lowercase name with compact forms expanded: "via", "call-id". */
  readonly key: string;
  /** Offset of the header line in the message text. */
  readonly lineStart: number;
  /** Offset of the first value character (after the colon and any white space). */
  readonly valueStart: number;
  /** Offset just past the last character of the field's last line (before its CRLF). */
  readonly lineEnd: number;
  /** Whether the field continues on folded lines (RFC 3261 §7.3.1). */
  readonly folded: boolean;
}

const FOLD = /\r\n[ \t]+/g;

export class HeaderIndex {
  /** The message text (latin1, so offsets are byte offsets) the fields point into. */
  readonly text: string;
  readonly fields: readonly HeaderField[];

  constructor(text: string, fields: readonly HeaderField[]) {
    this.text = text;
    this.fields = fields;
  }

  has(name: string): boolean {
    return this.indexOf(headerKey(name)) !== -1;
  }

  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const field of this.fields) if (field.key === key) n++;
    return n;
  }

  /** The value of the first field with this name: unfolded, without surrounding white space. */
  get(name: string): string | undefined {
    const i = this.indexOf(headerKey(name));
    return i === -1 ? undefined : this.valueAt(i);
  }

  /** The value of every field with this name, in order (one entry per header line). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (let i = 0; i < this.fields.length; i++) if (this.fields[i]!.key === key) out.push(this.valueAt(i));
    return out;
  }

  /** Every value of a list header, split at the commas that separate values (RFC 3261 §7.3.1). */
  values(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (let i = 0; i < this.fields.length; i++) {
      if (this.fields[i]!.key !== key) continue;
      const value = this.valueAt(i);
      if (LIST_HEADERS.has(key)) splitHeaderList(value, out);
      else out.push(value);
    }
    return out;
  }

  /** The field's value: unfolded, trailing white space trimmed. */
  valueAt(i: number): string {
    const field = this.fields[i]!;
    let start = field.valueStart;
    let end = field.lineEnd;
    while (end > start && isLinearWhiteSpace(this.text.charCodeAt(end - 1))) end--;
    while (start < end && isLinearWhiteSpace(this.text.charCodeAt(start))) start++;
    const raw = this.text.slice(start, end);
    return field.folded ? raw.replace(FOLD, ' ') : raw;
  }

  /** The field's whole header line(s) exactly as received, without the final CRLF. */
  rawLineAt(i: number): string {
    const field = this.fields[i]!;
    return this.text.slice(field.lineStart, field.lineEnd);
  }

  indexOf(key: string, from = 0): number {
    for (let i = from; i < this.fields.length; i++) if (this.fields[i]!.key === key) return i;
    return -1;
  }
}

/**
 * Index the header lines of `text` between `start` (first header line) and `end` (the CRLF that ends
 * the last header line). Throws EdgeError for a line that is not `name: value` or past maxHeaders.
 */
export function indexHeaders(text: string, start: number, end: number, maxHeaders: number): HeaderIndex {
  const fields: HeaderField[] = [];
  let pos = start;
  while (pos < end) {
    let lineEnd = text.indexOf('\r\n', pos);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    const first = text.charCodeAt(pos);
    if (first === 0x20 || first === 0x09) {
      const previous = fields.pop();
      if (previous === undefined) {
        throw new EdgeError(
          'HEADER_LINE_MALFORMED',
          'the first header line starts with white space (a continuation of nothing)',
        );
      }
      fields.push({
        key: previous.key,
        lineStart: previous.lineStart,
        valueStart: previous.valueStart,
        lineEnd,
        folded: true,
      });
    } else {
      if (fields.length >= maxHeaders) {
        throw new EdgeError('TOO_MANY_HEADERS', `more than ${maxHeaders} header fields`);
      }
      fields.push(indexField(text, pos, lineEnd));
    }
    pos = lineEnd + 2;
  }
  return new HeaderIndex(text, fields);
}

function indexField(text: string, lineStart: number, lineEnd: number): HeaderField {
  let nameEnd = lineStart;
  while (nameEnd < lineEnd && isTokenChar(text.charCodeAt(nameEnd))) nameEnd++;
  let colon = nameEnd;
  while (colon < lineEnd && (text.charCodeAt(colon) === 0x20 || text.charCodeAt(colon) === 0x09)) colon++;
  if (nameEnd === lineStart || text.charCodeAt(colon) !== 0x3a) {
    const shown = text.slice(lineStart, Math.min(lineEnd, lineStart + 40));
    throw new EdgeError('HEADER_LINE_MALFORMED', `header line "${shown}" is not "name: value"`);
  }
  let valueStart = colon + 1;
  while (valueStart < lineEnd && (text.charCodeAt(valueStart) === 0x20 || text.charCodeAt(valueStart) === 0x09))
    valueStart++;
  return { key: headerKey(nameAsWritten(text, lineStart, nameEnd)), lineStart, valueStart, lineEnd, folded: false };
}

/**
 * Header names as last written, one per slot chosen by length and first character: every message
 * repeats the same few names, and finding one here costs a comparison rather than a new string.
 */
const RECENT_NAMES: Array<string | undefined> = new Array<string | undefined>(256).fill(undefined);

function nameAsWritten(text: string, start: number, end: number): string {
  const slot = ((end - start) * 31 + text.charCodeAt(start)) & 255;
  const recent = RECENT_NAMES[slot];
  if (recent !== undefined && recent.length === end - start && text.startsWith(recent, start)) return recent;
  const name = text.slice(start, end);
  RECENT_NAMES[slot] = name;
  return name;
}

// Messages the edge sends: a start line, header lines and a body. Header lines copied from a received
// message stay the exact bytes that arrived (RFC 3261 §16.6: a proxy changes only what it must);
// header values are latin1 byte strings, like the text of an IncomingMessage (see byte-string.ts).
// A copied line is kept as a range of the received bytes and written by copying them, runs of
// adjacent ranges in one copy: relaying a message costs a few buffer copies, not a re-serialised head.

import { canonicalHeaderName, headerKey } from './header-names.js';
import { splitHeaderList } from './header-list.js';
import type { IncomingMessage } from './incoming-message.js';

/**
 * One header line without its CRLF: either text the edge wrote (`line`), or the bytes
 * `start`..`end` of the received message the copy was made from (`line` undefined until asked for).
 */
interface HeaderLine {
  readonly key: string;
  line: string | undefined;
  readonly start: number;
  readonly end: number;
}

/** The received message a copy's ranges point into: its bytes, and the same bytes as latin1 text. */
interface CopySource {
  readonly raw: Buffer;
  readonly text: string;
}

export class OutgoingMessage {
  startLine: string;
  #lines: HeaderLine[];
  #body: Buffer;
  /** Whether the Content-Length line must be written anew (body replaced, or none received). */
  #rewriteContentLength: boolean;
  #source: CopySource | undefined;

  constructor(startLine: string) {
    this.startLine = startLine;
    this.#lines = [];
    this.#body = EMPTY_BODY;
    this.#rewriteContentLength = true;
  }

  /** A copy of a received message's headers and body, to be changed and forwarded. */
  static copyOf(message: IncomingMessage, startLine: string): OutgoingMessage {
    const fields = message.headers.fields;
    const copy = new OutgoingMessage(startLine);
    const lines: HeaderLine[] = new Array(fields.length);
    let hasContentLength = false;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      if (field.key === 'content-length') hasContentLength = true;
      lines[i] = { key: field.key, line: undefined, start: field.lineStart, end: field.lineEnd };
    }
    copy.#lines = lines;
    copy.#body = message.body;
    // The header index's offsets are offsets in `text`, and `text` is `raw` decoded as latin1.
    copy.#source = { raw: message.raw, text: message.text };
    copy.#rewriteContentLength = !hasContentLength;
    return copy;
  }

  get body(): Buffer {
    return this.#body;
  }

  setBody(body: Buffer, contentType?: string): this {
    this.#body = body;
    this.#rewriteContentLength = true;
    if (contentType !== undefined) this.set('Content-Type', contentType);
    return this;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.#lines.some((l) => l.key === key);
  }

  /** Values of every line with this name (list headers are not split). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    return this.#lines.filter((l) => l.key === key).map((l) => valueOf(this.#textOf(l)));
  }

  get(name: string): string | undefined {
    return this.getAll(name)[0];
  }

  /** Put a header line before all others (a Via or Record-Route the edge adds). */
  prepend(name: string, value: string): this {
    this.#lines.unshift(makeLine(name, value));
    return this;
  }

  /** Put a header line before the first line with the same name, or at the end. */
  prependValue(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.#lines.findIndex((l) => l.key === key);
    if (at === -1) this.#lines.push(makeLine(name, value));
    else this.#lines.splice(at, 0, makeLine(name, value));
    return this;
  }

  append(name: string, value: string): this {
    this.#lines.push(makeLine(name, value));
    return this;
  }

  /** Replace every line with this name by one line, at the position of the first. */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.#lines.findIndex((l) => l.key === key);
    if (at === -1) return this.append(name, value);
    this.#lines[at] = makeLine(name, value);
    // Most headers set are single (Max-Forwards): only a repeated one costs a new array.
    if (this.#lines.findIndex((l, i) => i > at && l.key === key) !== -1)
      this.#lines = this.#lines.filter((l, i) => i <= at || l.key !== key);
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    this.#lines = this.#lines.filter((l) => l.key !== key);
    return this;
  }

  /** Remove the first value of a list header (the top Route, the edge's own Via). */
  removeFirstValue(name: string): this {
    const key = headerKey(name);
    const at = this.#lines.findIndex((l) => l.key === key);
    if (at === -1) return this;
    const line = this.#lines[at]!;
    const rest = splitHeaderList(valueOf(this.#textOf(line)), []);
    if (rest.length === 1) {
      this.#lines.splice(at, 1);
      return this;
    }
    rest.shift();
    this.#lines[at] = makeLine(name, rest.join(', '));
    return this;
  }

  /** Replace the first value of a list header, keeping the rest of its line. */
  replaceFirstValue(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.#lines.findIndex((l) => l.key === key);
    if (at === -1) return this.prepend(name, value);
    const values = splitHeaderList(valueOf(this.#textOf(this.#lines[at]!)), []);
    values[0] = value;
    this.#lines[at] = makeLine(name, values.join(', '));
    return this;
  }

  toBuffer(): Buffer {
    const lines = this.#lines;
    const rewrite = this.#rewriteContentLength;
    const contentLength = rewrite ? `Content-Length: ${this.#body.length}` : '';
    let size = this.startLine.length + 2 + (rewrite ? contentLength.length + 2 : 0) + 2 + this.#body.length;
    for (const header of lines) {
      if (rewrite && header.key === 'content-length') continue;
      size += (header.line === undefined ? header.end - header.start : header.line.length) + 2;
    }
    const out = Buffer.allocUnsafe(size);
    let at = out.write(this.startLine, 0, 'latin1');
    at = writeCrlf(out, at);
    // A run of received bytes not yet copied: lines adjacent in the source (only their CRLF between
    // them) are copied together, CRLFs included.
    const raw = this.#source?.raw;
    let runStart = -1;
    let runEnd = -1;
    for (const header of lines) {
      if (rewrite && header.key === 'content-length') continue;
      if (header.line === undefined) {
        if (runStart !== -1 && header.start === runEnd + 2) {
          runEnd = header.end;
          continue;
        }
        if (runStart !== -1) at = copyRun(raw!, runStart, runEnd, out, at);
        runStart = header.start;
        runEnd = header.end;
        continue;
      }
      if (runStart !== -1) at = copyRun(raw!, runStart, runEnd, out, at);
      runStart = -1;
      at += out.write(header.line, at, 'latin1');
      at = writeCrlf(out, at);
    }
    if (runStart !== -1) at = copyRun(raw!, runStart, runEnd, out, at);
    if (rewrite) {
      at += out.write(contentLength, at, 'latin1');
      at = writeCrlf(out, at);
    }
    at = writeCrlf(out, at);
    this.#body.copy(out, at);
    return out;
  }

  /** The text of a header line, taken from the received message for a copied line. */
  #textOf(header: HeaderLine): string {
    return (header.line ??= this.#source!.text.slice(header.start, header.end));
  }
}

/** Copy the received bytes start..end and the CRLF that follows them; returns the next offset. */
function copyRun(raw: Buffer, start: number, end: number, out: Buffer, at: number): number {
  raw.copy(out, at, start, end + 2);
  return at + end + 2 - start;
}

function writeCrlf(out: Buffer, at: number): number {
  out[at] = 0x0d;
  out[at + 1] = 0x0a;
  return at + 2;
}

const EMPTY_BODY = Buffer.alloc(0);

function makeLine(name: string, value: string): HeaderLine {
  return { key: headerKey(name), line: `${canonicalHeaderName(name)}: ${value}`, start: -1, end: -1 };
}

function valueOf(line: string): string {
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r\n[ \t]+/g, ' ')
    .trim();
}

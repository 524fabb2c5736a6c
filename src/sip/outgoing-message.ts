// Messages the edge sends: a start line, header lines and a body. Header lines copied from a received
// message stay the exact bytes that arrived (RFC 3261 §16.6: a proxy changes only what it must);
// header values are latin1 byte strings, like the text of an IncomingMessage (see byte-string.ts).

import { canonicalHeaderName, headerKey } from './header-names.js';
import { splitHeaderList } from './header-list.js';
import type { IncomingMessage } from './incoming-message.js';

interface HeaderLine {
  readonly key: string;
  readonly line: string;
}

const CRLF = '\r\n';

export class OutgoingMessage {
  startLine: string;
  #lines: HeaderLine[];
  #body: Buffer;
  /** Whether the Content-Length line must be written anew (body replaced, or none received). */
  #rewriteContentLength: boolean;

  constructor(startLine: string, lines: HeaderLine[] = [], body: Buffer = EMPTY_BODY) {
    this.startLine = startLine;
    this.#lines = lines;
    this.#body = body;
    this.#rewriteContentLength = true;
  }

  /** A copy of a received message's headers and body, to be changed and forwarded. */
  static copyOf(message: IncomingMessage, startLine: string): OutgoingMessage {
    const headers = message.headers;
    const lines: HeaderLine[] = new Array(headers.fields.length);
    for (let i = 0; i < headers.fields.length; i++)
      lines[i] = { key: headers.fields[i]!.key, line: headers.rawLineAt(i) };
    const copy = new OutgoingMessage(startLine, lines, message.body);
    copy.#rewriteContentLength = !headers.has('content-length');
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
    return this.#lines.filter((l) => l.key === key).map((l) => valueOf(l.line));
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
    const rest = splitHeaderList(valueOf(this.#lines[at]!.line), []).slice(1);
    if (rest.length === 0) this.#lines.splice(at, 1);
    else this.#lines[at] = makeLine(name, rest.join(', '));
    return this;
  }

  /** Replace the first value of a list header, keeping the rest of its line. */
  replaceFirstValue(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.#lines.findIndex((l) => l.key === key);
    if (at === -1) return this.prepend(name, value);
    const values = splitHeaderList(valueOf(this.#lines[at]!.line), []);
    values[0] = value;
    this.#lines[at] = makeLine(name, values.join(', '));
    return this;
  }

  toBuffer(): Buffer {
    let head = this.startLine + CRLF;
    for (const { key, line } of this.#lines) {
      if (key === 'content-length' && this.#rewriteContentLength) continue;
      head += line + CRLF;
    }
    if (this.#rewriteContentLength) head += `Content-Length: ${this.#body.length}${CRLF}`;
    head += CRLF;
    const out = Buffer.allocUnsafe(head.length + this.#body.length);
    out.write(head, 0, 'latin1');
    this.#body.copy(out, head.length);
    return out;
  }
}

const EMPTY_BODY = Buffer.alloc(0);

function makeLine(name: string, value: string): HeaderLine {
  return { key: headerKey(name), line: `${canonicalHeaderName(name)}: ${value}` };
}

function valueOf(line: string): string {
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r\n[ \t]+/g, ' ')
    .trim();
}

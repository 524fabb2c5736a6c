// A cursor over one header value, shared by the header grammars. Linear white space includes the
// CR LF of folded lines, so grammars run on the value as received without unfolding it first.

import { EdgeError } from '../errors.js';
import { isLinearWhiteSpace, isTokenChar } from './char-classes.js';

export class HeaderScanner {
  readonly text: string;
  readonly header: string;
  pos: number;
  readonly end: number;

  constructor(header: string, text: string, pos = 0, end = text.length) {
    this.header = header;
    this.text = text;
    this.pos = pos;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  peek(): number {
    return this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
  }

  skipWhiteSpace(): this {
    while (this.pos < this.end && isLinearWhiteSpace(this.text.charCodeAt(this.pos))) this.pos++;
    return this;
  }

  /** Consume `code` (after optional white space) if it is next; report whether it was. */
  accept(code: number): boolean {
    const save = this.pos;
    this.skipWhiteSpace();
    if (this.peek() === code) {
      this.pos++;
      return true;
    }
    this.pos = save;
    return false;
  }

  expect(code: number, what: string): void {
    if (!this.accept(code)) this.fail(`expected ${what}`);
  }

  /** A token (RFC 3261 §25.1); fails when none is next. */
  token(what: string): string {
    this.skipWhiteSpace();
    const start = this.pos;
    while (this.pos < this.end && isTokenChar(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) this.fail(`expected ${what}`);
    return this.text.slice(start, this.pos);
  }

  /** 1*DIGIT as a number; fails when none is next or when it exceeds `max`. */
  integer(what: string, max: number): number {
    this.skipWhiteSpace();
    const start = this.pos;
    let value = 0;
    while (this.pos < this.end) {
      const c = this.text.charCodeAt(this.pos);
      if (c < 0x30 || c > 0x39) break;
      value = value * 10 + (c - 0x30);
      this.pos++;
    }
    if (this.pos === start) this.fail(`expected ${what} (digits)`);
    if (value > max) this.fail(`${what} ${this.text.slice(start, this.pos)} exceeds ${max}`);
    return value;
  }

  /** A quoted-string with its quotes (RFC 3261 §25.1); fails when unterminated. */
  quotedString(): string {
    this.skipWhiteSpace();
    const start = this.pos;
    if (this.peek() !== 0x22) this.fail('expected a quoted string');
    this.pos++;
    while (this.pos < this.end) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x5c) this.pos += 2;
      else if (c === 0x22) return this.text.slice(start, ++this.pos);
      else this.pos++;
    }
    return this.fail('unterminated quoted string');
  }

  /** Everything after optional white space must be consumed. */
  expectEnd(): void {
    this.skipWhiteSpace();
    if (this.pos < this.end) this.fail(`unexpected "${this.text.slice(this.pos, Math.min(this.end, this.pos + 20))}"`);
  }

  fail(problem: string): never {
    throw new EdgeError('HEADER_VALUE_MALFORMED', `${this.header}: ${problem} at offset ${this.pos}`);
  }
}

/** Remove the quotes and quoted-pair backslashes of a quoted-string. */
export function unquote(quoted: string): string {
  if (quoted.length < 2 || quoted.charCodeAt(0) !== 0x22) return quoted;
  return quoted.slice(1, -1).replace(/\\(.)/gs, '$1');
}

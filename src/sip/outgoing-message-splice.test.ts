// The spliced serialiser (copied header lines written as runs of the received bytes) against the
// straightforward one it replaced, which rebuilt the head as text line by line: for any received
// message and any sequence of edits, both write the same bytes (RFC 3261 §16.6: only what the proxy
// changes differs from what arrived).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDatagram } from './datagram-parser.js';
import { canonicalHeaderName, headerKey } from './header-names.js';
import { splitHeaderList } from './header-list.js';
import type { IncomingMessage } from './incoming-message.js';
import { OutgoingMessage } from './outgoing-message.js';
import { DEFAULT_PARSER_LIMITS } from './parser-limits.js';

/** The text serialiser: every line a string, the head built by concatenation. */
class TextSerialiser {
  lines: Array<{ key: string; line: string }>;
  body: Buffer;
  rewriteContentLength: boolean;

  constructor(
    readonly startLine: string,
    message: IncomingMessage,
  ) {
    this.lines = message.headers.fields.map((field, i) => ({ key: field.key, line: message.headers.rawLineAt(i) }));
    this.body = message.body;
    this.rewriteContentLength = !message.headers.has('content-length');
  }

  apply(edit: Edit): void {
    const key = headerKey(edit.name);
    const made = { key, line: `${canonicalHeaderName(edit.name)}: ${edit.value}` };
    const at = this.lines.findIndex((l) => l.key === key);
    switch (edit.op) {
      case 'prepend':
        this.lines.unshift(made);
        return;
      case 'prependValue':
        if (at === -1) this.lines.push(made);
        else this.lines.splice(at, 0, made);
        return;
      case 'append':
        this.lines.push(made);
        return;
      case 'set':
        if (at === -1) return void this.lines.push(made);
        this.lines[at] = made;
        this.lines = this.lines.filter((l, i) => i <= at || l.key !== key);
        return;
      case 'remove':
        this.lines = this.lines.filter((l) => l.key !== key);
        return;
      case 'removeFirstValue': {
        if (at === -1) return;
        const rest = splitHeaderList(valueOf(this.lines[at]!.line), []).slice(1);
        if (rest.length === 0) this.lines.splice(at, 1);
        else this.lines[at] = { key, line: `${canonicalHeaderName(edit.name)}: ${rest.join(', ')}` };
        return;
      }
      case 'replaceFirstValue': {
        if (at === -1) return void this.lines.unshift(made);
        const values = splitHeaderList(valueOf(this.lines[at]!.line), []);
        values[0] = edit.value;
        this.lines[at] = { key, line: `${canonicalHeaderName(edit.name)}: ${values.join(', ')}` };
        return;
      }
      case 'setBody':
        this.body = Buffer.from(edit.value, 'latin1');
        this.rewriteContentLength = true;
        return;
    }
  }

  toBuffer(): Buffer {
    let head = this.startLine + '\r\n';
    for (const { key, line } of this.lines) {
      if (key === 'content-length' && this.rewriteContentLength) continue;
      head += line + '\r\n';
    }
    if (this.rewriteContentLength) head += `Content-Length: ${this.body.length}\r\n`;
    return Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), this.body]);
  }
}

function valueOf(line: string): string {
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r\n[ \t]+/g, ' ')
    .trim();
}

interface Edit {
  readonly op:
    'prepend' | 'prependValue' | 'append' | 'set' | 'remove' | 'removeFirstValue' | 'replaceFirstValue' | 'setBody';
  readonly name: string;
  readonly value: string;
}

function applyTo(out: OutgoingMessage, edit: Edit): void {
  if (edit.op === 'setBody') out.setBody(Buffer.from(edit.value, 'latin1'));
  else if (edit.op === 'remove' || edit.op === 'removeFirstValue') out[edit.op](edit.name);
  else out[edit.op](edit.name, edit.value);
}

/** Content-Length is the serialiser's own (setBody); edits name the others. */
const NAMES = ['Via', 'v', 'Route', 'Record-Route', 'Max-Forwards', 'Subject', 'X-Extra', 'Accept'];
const word = fc.stringMatching(/^[a-zA-Z0-9.;=@<>:-]{1,12}$/);
const listValue = fc.array(word, { minLength: 1, maxLength: 3 }).map((values) => values.join(', '));
const headerLine = fc
  .tuple(fc.constantFrom(...NAMES), listValue, fc.boolean(), fc.boolean())
  .map(
    ([name, value, spaced, folded]) =>
      `${name}${spaced ? ' ' : ''}:${spaced ? '  ' : ' '}${value}${folded ? '\r\n  ;folded=1' : ''}`,
  );
const edit: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom(
    'prepend',
    'prependValue',
    'append',
    'set',
    'remove',
    'removeFirstValue',
    'replaceFirstValue',
    'setBody',
  ),
  name: fc.constantFrom(...NAMES),
  value: listValue,
});
const received = fc
  .tuple(fc.array(headerLine, { maxLength: 8 }), fc.stringMatching(/^[a-z ]{0,20}$/), fc.boolean())
  .map(([lines, body, withLength]) => {
    const head = [
      'MESSAGE sip:bob@b.example.net SIP/2.0',
      'Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1',
      ...lines,
      'Call-ID: 1@a',
      'CSeq: 1 MESSAGE',
      ...(withLength ? [`Content-Length: ${body.length}`] : []),
    ];
    const frame = parseDatagram(Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'latin1'), DEFAULT_PARSER_LIMITS);
    if (frame.kind !== 'message') throw new Error(`test message did not parse: ${frame.kind}`);
    return frame.message;
  });

describe('spliced serialisation of copied messages', () => {
  it('S1 writes the bytes the text serialiser wrote, for any message and edits (RFC 3261 §16.6)', () => {
    fc.assert(
      fc.property(received, fc.array(edit, { maxLength: 6 }), (message, edits) => {
        const startLine = 'MESSAGE sip:bob@192.0.2.9 SIP/2.0';
        const spliced = OutgoingMessage.copyOf(message, startLine);
        const reference = new TextSerialiser(startLine, message);
        for (const change of edits) {
          applyTo(spliced, change);
          reference.apply(change);
        }
        const bytes = spliced.toBuffer();
        expect(bytes.toString('latin1')).toBe(reference.toBuffer().toString('latin1'));
        expect(parseDatagram(bytes, DEFAULT_PARSER_LIMITS).kind).toBe('message');
      }),
      { numRuns: 500 },
    );
  });

  it('S1 relays an unchanged copy byte for byte, from a message inside a larger read', () => {
    const text =
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP a;branch=z9hG4bK2\r\nCall-ID: 2@a\r\nCSeq: 1 MESSAGE\r\nContent-Length: 2\r\n\r\nok';
    const frame = parseDatagram(Buffer.from(text, 'latin1'), DEFAULT_PARSER_LIMITS);
    if (frame.kind !== 'message') throw new Error('expected a message');
    const out = OutgoingMessage.copyOf(frame.message, 'SIP/2.0 200 OK').removeFirstValue('Via');
    expect(out.toBuffer().toString('latin1')).toBe(
      'SIP/2.0 200 OK\r\nCall-ID: 2@a\r\nCSeq: 1 MESSAGE\r\nContent-Length: 2\r\n\r\nok',
    );
  });
});

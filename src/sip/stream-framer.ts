// Framing SIP on a byte stream (TCP, TLS; RFC 3261 §18.3): messages end where the CRLF CRLF after the
// headers plus Content-Length bytes end, chunks may hold part of a message or several, and CRLFs
// between messages are RFC 5626 keepalives. Once framing is lost the stream is broken for good.

import { EdgeError } from '../errors.js';
import {
  buildMessage,
  declaredContentLength,
  headFailure,
  parseMessageHead,
  type MessageHead,
} from './message-head.js';
import type { ParsedFrame } from './parsed-frame.js';
import type { ParserLimits } from './parser-limits.js';

const CR = 0x0d;
const LF = 0x0a;
const HEAD_TERMINATOR = Buffer.from('\r\n\r\n');

export class StreamFramer {
  readonly #limits: ParserLimits;
  #buffer: Buffer = Buffer.alloc(0);
  #pos = 0;
  /** Where the search for the end of the head resumes, so partial reads are not rescanned. */
  #scanFrom = 0;
  /** The previous frame was a lone CRLF at the end of a read: a CRLF now completes a ping. */
  #loneCrlf = false;
  #broken = false;

  constructor(limits: ParserLimits) {
    this.#limits = limits;
  }

  get broken(): boolean {
    return this.#broken;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#buffer.length - this.#pos;
  }

  push(chunk: Buffer): void {
    if (this.#broken || chunk.length === 0) return;
    if (this.#pos >= this.#buffer.length) {
      this.#buffer = chunk;
      this.#scanFrom = 0;
    } else {
      this.#buffer = Buffer.concat([this.#buffer.subarray(this.#pos), chunk]);
      this.#scanFrom -= this.#pos;
    }
    this.#pos = 0;
  }

  /** The next complete frame, or undefined until more bytes arrive. */
  next(): ParsedFrame | undefined {
    if (this.#broken) return undefined;
    const buf = this.#buffer;
    const pos = this.#pos;
    if (pos >= buf.length) return undefined;
    if (buf[pos] === CR) return this.#keepalive(buf, pos);
    this.#loneCrlf = false;
    return this.#message(buf, pos);
  }

  #keepalive(buf: Buffer, pos: number): ParsedFrame | undefined {
    if (pos + 1 >= buf.length) return undefined;
    if (buf[pos + 1] !== LF)
      return this.#fail(new EdgeError('START_LINE_MALFORMED', 'CR without LF before a start line'));
    const doubled = pos + 3 < buf.length && buf[pos + 2] === CR && buf[pos + 3] === LF;
    if (doubled || this.#loneCrlf) {
      this.#pos = pos + (doubled ? 4 : 2);
      this.#loneCrlf = false;
      return { kind: 'ping' };
    }
    if (pos + 2 < buf.length && buf[pos + 2] === CR && pos + 3 >= buf.length) return undefined; // CRLF CR: wait
    this.#pos = pos + 2;
    this.#scanFrom = this.#pos;
    this.#loneCrlf = this.#pos >= buf.length;
    return { kind: 'pong' };
  }

  #message(buf: Buffer, pos: number): ParsedFrame | undefined {
    const headEnd = buf.indexOf(HEAD_TERMINATOR, Math.max(pos, this.#scanFrom - 3));
    const limits = this.#limits;
    if (headEnd === -1) {
      this.#scanFrom = buf.length;
      const lineEnd = buf.indexOf('\r\n', pos);
      if ((lineEnd === -1 ? buf.length - pos : lineEnd - pos) > limits.maxStartLineBytes) {
        return this.#fail(
          new EdgeError('START_LINE_TOO_LONG', `start line longer than ${limits.maxStartLineBytes} bytes`),
        );
      }
      if (buf.length - pos > limits.maxHeaderBytes) return this.#fail(headersTooLarge(limits));
      return undefined;
    }
    if (headEnd - pos > limits.maxHeaderBytes) return this.#fail(headersTooLarge(limits));
    let head: MessageHead;
    try {
      head = parseMessageHead(buf, pos, headEnd, limits);
    } catch (error) {
      return this.#stop(headFailure(error));
    }
    let contentLength: number | undefined;
    try {
      contentLength = declaredContentLength(head.headers);
    } catch (error) {
      return this.#stop({
        ...headFailure(error),
        headers: head.headers,
        message: buildMessage(buf.subarray(pos, headEnd + 4), head, headEnd + 4 - pos),
      });
    }
    return this.#complete(buf, pos, headEnd, head, contentLength);
  }

  #complete(
    buf: Buffer,
    pos: number,
    headEnd: number,
    head: MessageHead,
    contentLength: number | undefined,
  ): ParsedFrame | undefined {
    const bodyStart = headEnd + 4;
    if (contentLength === undefined || contentLength > this.#limits.maxBodyBytes) {
      const error =
        contentLength === undefined
          ? new EdgeError('CONTENT_LENGTH_MISSING', 'no Content-Length on a stream transport (RFC 3261 §18.3)')
          : new EdgeError('BODY_TOO_LARGE', `body of ${contentLength} bytes exceeds ${this.#limits.maxBodyBytes}`);
      return this.#stop({
        kind: 'error',
        error,
        headers: head.headers,
        message: buildMessage(buf.subarray(pos, bodyStart), head, bodyStart - pos),
      });
    }
    const end = bodyStart + contentLength;
    if (end > buf.length) {
      this.#scanFrom = headEnd; // the head is complete; resume at its end when the body arrives
      return undefined;
    }
    this.#pos = end;
    this.#scanFrom = end;
    return { kind: 'message', message: buildMessage(buf.subarray(pos, end), head, bodyStart - pos) };
  }

  #fail(error: EdgeError): ParsedFrame {
    return this.#stop({ kind: 'error', error });
  }

  /** Framing is lost: report why, drop what is buffered, and accept nothing more. */
  #stop(frame: ParsedFrame): ParsedFrame {
    this.#broken = true;
    this.#buffer = Buffer.alloc(0);
    this.#pos = 0;
    return frame;
  }
}

function headersTooLarge(limits: ParserLimits): EdgeError {
  return new EdgeError('HEADERS_TOO_LARGE', `header block larger than ${limits.maxHeaderBytes} bytes`);
}

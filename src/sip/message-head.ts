// Turning framed bytes into a message: decode the head once, parse the start line, index the headers.
// Shared by the stream framer and the datagram parser; the body boundaries are theirs to decide.

import { EdgeError, isEdgeError } from '../errors.js';
import type { ErrorFrame } from './parsed-frame.js';
import { indexHeaders, type HeaderIndex } from './header-index.js';
import { IncomingRequest, IncomingResponse, type IncomingMessage } from './incoming-message.js';
import { parseContentLength } from './delta-seconds.js';
import type { ParserLimits } from './parser-limits.js';
import { parseStartLine, type StartLine } from './start-line.js';

export interface MessageHead {
  readonly text: string;
  readonly startLine: StartLine;
  readonly headers: HeaderIndex;
}

/**
 * Parse the head of a message that starts at `start` in `bytes` and whose header block ends with the
 * CRLF CRLF at `headEnd` (the offset of that sequence).
 */
export function parseMessageHead(bytes: Buffer, start: number, headEnd: number, limits: ParserLimits): MessageHead {
  const text = bytes.toString('latin1', start, headEnd + 2);
  const lineEnd = text.indexOf('\r\n');
  if (lineEnd > limits.maxStartLineBytes) {
    throw new EdgeError('START_LINE_TOO_LONG', `start line of ${lineEnd} bytes exceeds ${limits.maxStartLineBytes}`);
  }
  const headers = indexHeaders(text, lineEnd + 2, headEnd - start, limits.maxHeaders);
  try {
    return { text, startLine: parseStartLine(text.slice(0, lineEnd)), headers };
  } catch (error) {
    // The headers are intact: keep them, so the request can still be answered (400, 505).
    if (isEdgeError(error)) throw new HeadError(error, headers);
    throw error;
  }
}

/** A start line that did not parse, with the header index that did. */
export class HeadError extends Error {
  readonly error: EdgeError;
  readonly headers: HeaderIndex;

  constructor(error: EdgeError, headers: HeaderIndex) {
    super(error.message);
    this.error = error;
    this.headers = headers;
  }
}

/** The error frame for a failure while parsing a head: answerable when the headers were indexed. */
export function headFailure(caught: unknown): ErrorFrame {
  if (caught instanceof HeadError) return { kind: 'error', error: caught.error, headers: caught.headers };
  if (isEdgeError(caught)) return { kind: 'error', error: caught };
  throw caught;
}

/** The declared Content-Length, or undefined when absent; exactly one value is allowed. */
export function declaredContentLength(headers: HeaderIndex): number | undefined {
  const values = headers.getAll('content-length');
  if (values.length === 0) return undefined;
  if (values.length > 1 || values[0]!.includes(',')) {
    throw new EdgeError('CONTENT_LENGTH_INVALID', 'more than one Content-Length value');
  }
  try {
    return parseContentLength(values[0]!);
  } catch {
    throw new EdgeError(
      'CONTENT_LENGTH_INVALID',
      `Content-Length "${values[0]!.slice(0, 20)}" is not a non-negative integer`,
    );
  }
}

export function buildMessage(raw: Buffer, head: MessageHead, bodyStart: number): IncomingMessage {
  const parts = { raw, text: head.text, headers: head.headers, bodyStart, bodyEnd: raw.length };
  const line = head.startLine;
  return line.kind === 'request'
    ? new IncomingRequest(parts, line.method, line.requestUriText)
    : new IncomingResponse(parts, line.status, line.reason);
}

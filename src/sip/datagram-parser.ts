// A SIP message in one UDP datagram (RFC 3261 §18.3): a Content-Length smaller than what follows the
// head truncates the body; a larger one is an error; without one the body is the rest of the datagram.

import { EdgeError, isEdgeError } from '../errors.js';
import {
  buildMessage,
  declaredContentLength,
  headFailure,
  parseMessageHead,
  type MessageHead,
} from './message-head.js';
import type { ParsedFrame } from './parsed-frame.js';
import type { ParserLimits } from './parser-limits.js';

const HEAD_TERMINATOR = Buffer.from('\r\n\r\n');

export function parseDatagram(datagram: Buffer, limits: ParserLimits): ParsedFrame {
  let start = 0;
  while (start + 1 < datagram.length && datagram[start] === 0x0d && datagram[start + 1] === 0x0a) start += 2;
  if (start === datagram.length) return { kind: 'ping' }; // CRLF keepalive datagram: nothing to parse
  const headEnd = datagram.indexOf(HEAD_TERMINATOR, start);
  if (headEnd === -1) {
    return { kind: 'error', error: new EdgeError('HEADER_BLOCK_UNTERMINATED', 'no empty line after the headers') };
  }
  if (headEnd - start > limits.maxHeaderBytes) {
    return {
      kind: 'error',
      error: new EdgeError('HEADERS_TOO_LARGE', `header block larger than ${limits.maxHeaderBytes} bytes`),
    };
  }
  let head: MessageHead;
  try {
    head = parseMessageHead(datagram, start, headEnd, limits);
  } catch (error) {
    return headFailure(error);
  }
  return withBody(datagram, start, headEnd + 4, head, limits);
}

function withBody(
  datagram: Buffer,
  start: number,
  bodyStart: number,
  head: MessageHead,
  limits: ParserLimits,
): ParsedFrame {
  const available = datagram.length - bodyStart;
  let length: number | undefined;
  let error: EdgeError | undefined;
  try {
    length = declaredContentLength(head.headers) ?? available;
    if (length > available) {
      error = new EdgeError(
        'CONTENT_LENGTH_EXCEEDS_DATAGRAM',
        `Content-Length ${length} exceeds the ${available} body bytes in the datagram`,
      );
    } else if (length > limits.maxBodyBytes) {
      error = new EdgeError('BODY_TOO_LARGE', `body of ${length} bytes exceeds ${limits.maxBodyBytes}`);
    }
  } catch (caught) {
    if (!isEdgeError(caught)) throw caught;
    error = caught;
  }
  if (error !== undefined) {
    return {
      kind: 'error',
      error,
      headers: head.headers,
      message: buildMessage(datagram.subarray(start, bodyStart), head, bodyStart - start),
    };
  }
  return {
    kind: 'message',
    message: buildMessage(datagram.subarray(start, bodyStart + length!), head, bodyStart - start),
  };
}

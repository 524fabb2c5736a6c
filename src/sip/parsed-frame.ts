// What the framer and the datagram parser hand to a transport.

import type { EdgeError } from '../errors.js';
import type { HeaderIndex } from './header-index.js';
import type { IncomingMessage } from './incoming-message.js';

export type ParsedFrame =
  | { readonly kind: 'message'; readonly message: IncomingMessage }
  /** RFC 5626 §4.4.1: a CRLF CRLF ping, to be answered with a CRLF pong. */
  | { readonly kind: 'ping' }
  /** A lone CRLF: a pong, or one of the CRLFs RFC 3261 §7.5 allows before a start line. */
  | { readonly kind: 'pong' }
  /**
   * The bytes are not SIP. On a stream the framing is lost and the connection must close. `headers`
   * is present when the header block could be indexed, so a 400 can still reach the request's Via;
   * `message` when the whole head parsed.
   */
  | {
      readonly kind: 'error';
      readonly error: EdgeError;
      readonly headers?: HeaderIndex;
      readonly message?: IncomingMessage;
    };

export type ErrorFrame = Extract<ParsedFrame, { kind: 'error' }>;

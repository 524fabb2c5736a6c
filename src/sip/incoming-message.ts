// Messages as received: the raw bytes, an index of the header block, and the body. Header grammars
// run on first access and are cached, so a message that is only relayed is never fully parsed.

import { EdgeError } from '../errors.js';
import { parseCSeq, type CSeq } from './cseq.js';
import { parseMaxForwards } from './delta-seconds.js';
import type { HeaderIndex } from './header-index.js';
import { firstListValue } from './header-list.js';
import { parseNameAddr, type NameAddr } from './name-addr.js';
import { parseUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';
import { stampVia, type SourceAddress } from './via-stamp.js';

interface MessageParts {
  readonly raw: Buffer;
  readonly text: string;
  readonly headers: HeaderIndex;
  readonly bodyStart: number;
  readonly bodyEnd: number;
}

abstract class IncomingMessageBase {
  /** The message exactly as received: start line, headers and body. */
  readonly raw: Buffer;
  /** The start line and header block decoded as latin1, so offsets are byte offsets. */
  readonly text: string;
  readonly headers: HeaderIndex;
  readonly body: Buffer;
  /**
   * Where the message arrived from, set by the transport that received it; undefined for a message
   * the edge built itself. Responses to a request are steered by it (RFC 3261 §18.2.2, RFC 3581).
   */
  source: SourceAddress | undefined;

  #vias: readonly Via[] | undefined;
  #topVia: Via | undefined;
  #stampedTopVia: string | undefined;
  #cseq: CSeq | undefined;
  #from: NameAddr | undefined;
  #to: NameAddr | undefined;

  constructor(parts: MessageParts) {
    this.raw = parts.raw;
    this.text = parts.text;
    this.headers = parts.headers;
    this.body = parts.raw.subarray(parts.bodyStart, parts.bodyEnd);
  }

  get callId(): string {
    return this.required('call-id');
  }

  get cseq(): CSeq {
    return (this.#cseq ??= parseCSeq(this.required('cseq')));
  }

  get from(): NameAddr {
    return (this.#from ??= parseNameAddr(this.required('from'), 'From'));
  }

  get to(): NameAddr {
    return (this.#to ??= parseNameAddr(this.required('to'), 'To'));
  }

  /** Every Via value, topmost first. */
  get vias(): readonly Via[] {
    if (this.#vias === undefined) {
      const values = this.headers.values('via');
      if (values.length === 0) throw new EdgeError('HEADER_MISSING', 'no Via header');
      this.#vias = values.map(parseVia);
    }
    return this.#vias;
  }

  /** The topmost Via alone, parsed without the others (all a response needs to be matched). */
  get topVia(): Via {
    if (this.#vias !== undefined) return this.#vias[0]!;
    if (this.#topVia === undefined) {
      const first = this.headers.get('via');
      if (first === undefined) throw new EdgeError('HEADER_MISSING', 'no Via header');
      this.#topVia = parseVia(firstListValue(first));
    }
    return this.#topVia;
  }

  /** The top Via value as received, with `received`/`rport` noted from the source (RFC 3261 §18.2.1, RFC 3581). */
  get stampedTopVia(): string {
    if (this.#stampedTopVia !== undefined) return this.#stampedTopVia;
    const first = this.headers.get('via');
    if (first === undefined) throw new EdgeError('HEADER_MISSING', 'no Via header');
    const value = firstListValue(first);
    // Only once the source is known (the transport sets it before anything reads the Vias).
    if (this.source === undefined) return value;
    return (this.#stampedTopVia = stampVia(value, this.topVia, this.source));
  }

  /** Max-Forwards, or undefined when absent (an RFC 2543 request). */
  get maxForwards(): number | undefined {
    const value = this.headers.get('max-forwards');
    return value === undefined ? undefined : parseMaxForwards(value);
  }

  protected required(key: string): string {
    const value = this.headers.get(key);
    if (value === undefined) throw new EdgeError('HEADER_MISSING', `no ${key} header`);
    return value;
  }
}

export class IncomingRequest extends IncomingMessageBase {
  readonly kind = 'request' as const;
  readonly method: string;
  readonly requestUriText: string;
  #requestUri: Uri | undefined;

  constructor(parts: MessageParts, method: string, requestUriText: string) {
    super(parts);
    this.method = method;
    this.requestUriText = requestUriText;
  }

  /** RFC 3261 §19.1.1: a Request-URI never carries headers (RFC 4475 §3.1.2.11). */
  get requestUri(): Uri {
    return (this.#requestUri ??= parseUri(this.requestUriText, { allowHeaders: false }));
  }
}

export class IncomingResponse extends IncomingMessageBase {
  readonly kind = 'response' as const;
  readonly status: number;
  readonly reason: string;

  constructor(parts: MessageParts, status: number, reason: string) {
    super(parts);
    this.status = status;
    this.reason = reason;
  }
}

export type IncomingMessage = IncomingRequest | IncomingResponse;
export type { MessageParts };

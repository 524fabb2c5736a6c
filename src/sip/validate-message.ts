// Checks a message before the edge acts on it (RFC 3261 §8.2, §16.3 step 1): the mandatory headers
// are present once each and well-formed. `grammar: 'full'` also parses every other header whose
// grammar the edge knows, so that a malformed one is answered 400 instead of being relayed.

import { EdgeError } from '../errors.js';
import { parseContact } from './contact.js';
import { parseExpires } from './delta-seconds.js';
import { parseEvent } from './event.js';
import type { IncomingMessage } from './incoming-message.js';
import { parseAccept, parseContentType } from './media-type.js';
import { parseNameAddr } from './name-addr.js';
import { SINGLETON_HEADERS } from './header-names.js';
import { splitHeaderList } from './header-list.js';
import type { ParserLimits } from './parser-limits.js';
import { parseRetryAfter } from './retry-after.js';
import { parseSipDate } from './sip-date.js';
import { parseSubscriptionState } from './subscription-state.js';
import { parseWarning } from './warning.js';

export interface ValidateOptions {
  readonly limits: Pick<ParserLimits, 'maxVias'>;
  /** 'mandatory': only what every request needs; 'full': every header with a known grammar. */
  readonly grammar: 'mandatory' | 'full';
}

const CALL_ID = /^[\x21-\x7e]+$/;

/** Throws EdgeError naming the first problem found. */
export function validateMessage(message: IncomingMessage, options: ValidateOptions): void {
  checkSingletons(message);
  if (!CALL_ID.test(message.callId)) throw new EdgeError('HEADER_VALUE_MALFORMED', 'Call-ID: not a word["@"word]');
  void message.from;
  void message.to;
  if (message.vias.length > options.limits.maxVias) {
    throw new EdgeError('TOO_MANY_VIAS', `${message.vias.length} Via values exceed ${options.limits.maxVias}`);
  }
  const cseq = message.cseq;
  if (message.kind === 'request') {
    void message.requestUri;
    void message.maxForwards;
    if (cseq.method !== message.method) {
      throw new EdgeError(
        'CSEQ_METHOD_MISMATCH',
        `CSeq method ${cseq.method} differs from the request method ${message.method}`,
      );
    }
  }
  if (options.grammar === 'full') validateKnownHeaders(message);
}

const SINGLETONS: ReadonlySet<string> = new Set(SINGLETON_HEADERS);

/** One pass over the header fields: a header that must appear once appears at most once. */
function checkSingletons(message: IncomingMessage): void {
  const fields = message.headers.fields;
  for (let i = 0; i < fields.length; i++) {
    const key = fields[i]!.key;
    if (!SINGLETONS.has(key)) continue;
    for (let j = i + 1; j < fields.length; j++) {
      if (fields[j]!.key === key) throw new EdgeError('HEADER_DUPLICATED', `more than one ${key} header`);
    }
  }
}

type Grammar = (value: string) => unknown;

const KNOWN_GRAMMARS: ReadonlyMap<string, Grammar> = new Map<string, Grammar>([
  ['contact', parseContact],
  ['route', (v) => parseNameAddrList(v, 'Route')],
  ['record-route', (v) => parseNameAddrList(v, 'Record-Route')],
  ['reply-to', (v) => parseNameAddr(v, 'Reply-To')],
  ['p-asserted-identity', (v) => parseNameAddrList(v, 'P-Asserted-Identity')],
  ['expires', (v) => parseExpires(v)],
  ['min-expires', (v) => parseExpires(v, 'Min-Expires')],
  ['event', parseEvent],
  ['subscription-state', parseSubscriptionState],
  ['content-type', parseContentType],
  ['accept', parseAccept],
  ['warning', parseWarning],
  ['retry-after', parseRetryAfter],
  ['date', parseSipDate],
]);

function validateKnownHeaders(message: IncomingMessage): void {
  const headers = message.headers;
  for (let i = 0; i < headers.fields.length; i++) {
    const grammar = KNOWN_GRAMMARS.get(headers.fields[i]!.key);
    if (grammar !== undefined) grammar(headers.valueAt(i));
  }
}

function parseNameAddrList(value: string, header: string): void {
  for (const item of splitHeaderList(value, [])) parseNameAddr(item, header);
}

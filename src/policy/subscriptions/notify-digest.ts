// What "no change of state" means for P8 and "no change of parameters" for P7 (003 §5.3.1, §5.3.2):
// digests, compared as numbers. A NOTIFY's state is its Subscription-State (the substate and reason,
// not the expires countdown, which shrinks with every NOTIFY) and its body, normalised so that a
// presence server re-sending the same document with a fresh <timestamp>, a bumped version="n" or other
// white space between the elements is not taken for news. A SUBSCRIBE's parameters are its Event,
// Accept and body (a filter, RFC 4661); Expires is the refresh itself, not a parameter.

import type { IncomingRequest } from '../../sip/incoming-message.js';
import { parseSubscriptionState, type SubscriptionState } from '../../sip/subscription-state.js';
import { digest53 } from './text-digest.js';

const XML_CONTENT = /^[^;]*(\/|\+)xml\s*(;|$)/i;
const XML_COMMENT = /<!--[\s\S]*?-->/g;
const TIMESTAMP_ELEMENT = /<([\w.-]+:)?timestamp\b[^>]*>[^<]*<\/([\w.-]+:)?timestamp\s*>/gi;
const VERSION_ATTRIBUTE = /\sversion\s*=\s*("\d+"|'\d+')/gi;
const BETWEEN_ELEMENTS = />\s+</g;
const WHITE_SPACE = /\s+/g;

/** The Subscription-State of a NOTIFY; undefined when absent or malformed (P5 and the notifier's peer deal with it). */
export function subscriptionStateOf(request: IncomingRequest): SubscriptionState | undefined {
  const value = request.headers.get('subscription-state');
  if (value === undefined) return undefined;
  try {
    return parseSubscriptionState(value);
  } catch {
    return undefined;
  }
}

export function notifyDigest(
  request: IncomingRequest,
  state: SubscriptionState | undefined = subscriptionStateOf(request),
): number {
  const contentType = normalisedHeader(request, 'content-type');
  const stateText = state === undefined ? '' : `${state.state};${state.reason ?? ''}`;
  return digest53(`${stateText}\n${contentType}\n${normalisedBody(contentType, request.body)}`);
}

export function parametersDigest(subscribe: IncomingRequest): number {
  const contentType = normalisedHeader(subscribe, 'content-type');
  return digest53(
    [
      normalisedHeader(subscribe, 'event'),
      subscribe.headers
        .values('accept')
        .map((v) => v.replace(WHITE_SPACE, '').toLowerCase())
        .join(','),
      contentType,
      normalisedBody(contentType, subscribe.body),
    ].join('\n'),
  );
}

/**
 * XML bodies lose comments, timestamps, version counters and layout; others are compared byte for
 * byte. Bytes are read as latin1: only equality matters, and any encoding compares the same way.
 */
export function normalisedBody(contentType: string, body: Buffer): string {
  if (body.length === 0) return '';
  let text = body.toString('latin1');
  if (!XML_CONTENT.test(contentType)) return text;
  if (text.includes('<!--')) text = text.replace(XML_COMMENT, '');
  if (text.includes('timestamp')) text = text.replace(TIMESTAMP_ELEMENT, '');
  if (text.includes('version')) text = text.replace(VERSION_ATTRIBUTE, '');
  return text.replace(BETWEEN_ELEMENTS, '><').replace(WHITE_SPACE, ' ').trim();
}

function normalisedHeader(request: IncomingRequest, name: string): string {
  return (request.headers.get(name) ?? '').replace(WHITE_SPACE, ' ').trim().toLowerCase();
}

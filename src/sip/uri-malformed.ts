// The one way the URI grammars fail: an EdgeError coded URI_MALFORMED (400, RFC 3261 §21.4.1)
// whose detail names what is wrong and where, so a rejected peer's log line explains itself.

import { EdgeError } from '../errors.js';

export function uriMalformed(detail: string): never {
  throw new EdgeError('URI_MALFORMED', detail);
}

// The MSSI definition string of draft-bertola-mimi-discovery §4.3, held in a TXT record
// until a MIMI record type exists: DKIM-style tag=value pairs separated by ";" (RFC 6376 §3.2),
// "v=MIMI1" first, "e=" the endpoint, "a=" the account there, "p=" the preference (lower first),
// "s=" the service. Unknown tags are ignored, as DKIM ignores them, so later versions can add some.

import { DiscoveryError } from './discovery-error.js';

export interface MimiRecord {
  /** The user's account at the endpoint (a=); undefined when the endpoint alone identifies it. */
  readonly account: string | undefined;
  /** The MIMI service endpoint (e=), a host name. */
  readonly endpoint: string;
  /** p=; records without one come after those with one. */
  readonly preference: number;
  /** s=, lower case; undefined for a generic MIMI service. */
  readonly service: string | undefined;
  readonly text: string;
}

const VERSION = 'MIMI1';
const NO_PREFERENCE = 65_536;
const HOST = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/i;

/** True for strings that claim to be MIMI records; other TXT strings at the name are not ours. */
export function isMimiRecordText(text: string): boolean {
  return /^\s*v\s*=\s*MIMI/i.test(text);
}

export function parseMimiRecord(text: string): MimiRecord {
  const tags = parseTags(text);
  const version = tags.get('v');
  if (tags.keys().next().value !== 'v' || version !== VERSION) throw malformed(text, `it must begin with v=${VERSION}`);
  const endpoint = tags.get('e')?.toLowerCase().replace(/\.$/, '');
  if (endpoint === undefined || !HOST.test(endpoint)) throw malformed(text, 'e= must name the endpoint host');
  const p = tags.get('p');
  if (p !== undefined && !/^[0-9]{1,5}$/.test(p)) throw malformed(text, `p=${p} is not a whole number`);
  return {
    account: emptyToUndefined(tags.get('a')),
    endpoint,
    preference: p === undefined ? NO_PREFERENCE : Number(p),
    service: emptyToUndefined(tags.get('s')?.toLowerCase()),
    text,
  };
}

/** Lower p first; records without p last; the zone's order otherwise (a stable sort). */
export function orderMimiRecords(records: readonly MimiRecord[]): MimiRecord[] {
  return [...records].sort((a, b) => a.preference - b.preference);
}

function parseTags(text: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const spec of text.split(';')) {
    if (spec.trim() === '') continue;
    const equals = spec.indexOf('=');
    const name = spec.slice(0, equals).trim().toLowerCase();
    if (equals < 0 || !/^[a-z][a-z0-9_]*$/.test(name)) throw malformed(text, `"${spec.trim()}" is not tag=value`);
    if (tags.has(name)) throw malformed(text, `the tag ${name}= appears twice`);
    tags.set(name, spec.slice(equals + 1).trim());
  }
  return tags;
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function malformed(text: string, why: string): DiscoveryError {
  return new DiscoveryError('MIMI_RECORD_MALFORMED', `MIMI record ${JSON.stringify(text)} is malformed: ${why}`);
}

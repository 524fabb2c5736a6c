// RFC 3261 §18.2.1 and RFC 3581 §4: the server transport notes in the top Via where a request really
// came from. Whatever the sender wrote in `received` and `rport` is replaced: responses are steered
// by these two values, so they must be the edge's own observation, never the sender's claim.

import { splitHeaderList } from './header-list.js';
import type { Via } from './via.js';
import { parseVia } from './via.js';

/** The address and port a message arrived from. */
export interface SourceAddress {
  readonly address: string;
  readonly port: number;
}

/** `;received=…` and `;rport` / `;rport=…` with optional whitespace; a quoted value is skipped whole. */
const OBSERVED_PARAMS = /\s*;\s*(?:received|rport)(?=\s*[=;,]|\s*$)(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))?/gi;

/**
 * The top Via value with `received` set when the sent-by host is not the source address (always when
 * `rport` was asked for) and `rport` filled in with the source port when present.
 */
export function stampVia(value: string, via: Via, source: SourceAddress): string {
  const bareHost = via.hostKind === 'ipv6' ? via.host.slice(1, -1) : via.host;
  let out = value.replace(OBSERVED_PARAMS, '');
  if (via.rport !== undefined || bareHost.toLowerCase() !== source.address.toLowerCase())
    out += `;received=${source.address}`;
  if (via.rport !== undefined) out += `;rport=${source.port}`;
  return out;
}

/** A Via header line whose first value is stamped; the line unchanged when that value does not parse. */
export function stampViaLine(line: string, source: SourceAddress): string {
  const values = splitHeaderList(line, []);
  const first = values[0];
  if (first === undefined) return line;
  const via = topViaOf(line);
  // A Via too broken to parse (answered 400) still gets the source noted, as far as it reads as a Via.
  const stamped =
    via !== undefined
      ? stampVia(first, via, source)
      : LENIENT_SENT_BY.test(first)
        ? stampLeniently(first, source)
        : first;
  return [stamped, ...values.slice(1)].join(', ');
}

/**
 * RFC 3261 §18.2.2 for an unreliable transport, with RFC 3581: the port a response goes to on the
 * source address — the source port when `rport` asked for it, else the sent-by port (5060 by default).
 * Never another address: `received` is always the source, and `maddr` is not honoured (it would let
 * the sender aim the edge's answers at a third party).
 */
export function datagramResponsePort(via: Via | undefined, source: SourceAddress): number {
  if (via === undefined || via.rport !== undefined) return source.port;
  return via.port ?? 5060;
}

/**
 * The port an answer to a request with this top Via line goes to over an unreliable transport: as
 * datagramResponsePort says when the Via parses; when it does not (a malformed request answered 400),
 * its sent-by port and rport flag as far as they can be read, else the source port.
 */
export function datagramResponsePortOf(firstViaLine: string | undefined, source: SourceAddress): number {
  const via = topViaOf(firstViaLine);
  if (via !== undefined || firstViaLine === undefined) return datagramResponsePort(via, source);
  const sentBy = LENIENT_SENT_BY.exec(firstViaLine);
  if (sentBy === null || /;\s*rport\b/i.test(firstViaLine.split(',')[0]!)) return source.port;
  return sentBy[1] === undefined ? 5060 : Number(sentBy[1]);
}

function stampLeniently(value: string, source: SourceAddress): string {
  const rport = /;\s*rport\b/i.test(value);
  return `${value.replace(OBSERVED_PARAMS, '')};received=${source.address}${rport ? `;rport=${source.port}` : ''}`;
}

/** sent-protocol, then the host (an IPv6 reference in brackets) and an optional port. */
const LENIENT_SENT_BY =
  /^\s*SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+(?:\[[^\]]*\]|[^\s;:,[]+)(?:\s*:\s*(\d{1,5}))?(?=[\s;,]|$)/i;

/** The top Via of a header block, or undefined when it is absent or does not parse. */
export function topViaOf(firstViaLine: string | undefined): Via | undefined {
  const first = firstViaLine === undefined ? undefined : splitHeaderList(firstViaLine, [])[0];
  if (first === undefined) return undefined;
  try {
    return parseVia(first);
  } catch {
    return undefined;
  }
}

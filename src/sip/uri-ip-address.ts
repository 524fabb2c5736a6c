// IP address literals in URI hosts: RFC 3261 §25.1 IPv4address and the IPv6address inside an
// IPv6reference. Validation allocates nothing; the groups are built only for comparison.

import { UriCharacterClass, hasClass, hexValue } from './uri-character-class.js';

const COLON = 58;
const DOT = 46;
const INVALID = -2;

/**
 * The 32-bit value of dotted-decimal IPv4 over exactly [start, end), or -1: four octets of one to
 * three digits (RFC 3261 §25.1), each at most 255 (RFC 3986 §3.2.2 dec-octet).
 */
export function ipv4Value(text: string, start: number, end: number): number {
  let value = 0;
  let i = start;
  for (let octetIndex = 0; octetIndex < 4; octetIndex++) {
    if (octetIndex > 0) {
      if (i >= end || text.charCodeAt(i) !== DOT) return -1;
      i++;
    }
    const octetStart = i;
    let octet = 0;
    while (i < end && i - octetStart < 4 && hasClass(text.charCodeAt(i), UriCharacterClass.digit)) {
      octet = octet * 10 + (text.charCodeAt(i++) - 48);
    }
    if (i === octetStart || i - octetStart > 3 || octet > 255) return -1;
    value = value * 256 + octet;
  }
  return i === end ? value : -1;
}

export function isIpv6Address(text: string, start: number, end: number): boolean {
  return scanIpv6(text, start, end, undefined) !== INVALID;
}

/** The eight 16-bit groups of an IPv6 address over [start, end), or undefined if it is not one. */
export function ipv6Groups(text: string, start: number, end: number): number[] | undefined {
  const groups: number[] = [];
  const compressedAt = scanIpv6(text, start, end, groups);
  if (compressedAt === INVALID) return undefined;
  if (compressedAt >= 0) groups.splice(compressedAt, 0, ...new Array<number>(8 - groups.length).fill(0));
  return groups;
}

/**
 * RFC 4291 §2.2 text form over exactly [start, end). Pushes the groups read into `groups` when
 * given and returns how many came before "::" (-1 if none), or INVALID. RFC 5118 §4.10: the
 * RFC 3261 ABNF lets "::" be followed by ":" and an IPv4 tail ("2001:db8:::192.0.2.1"), and
 * implementations must tolerate that form, so it reads as the two-colon address.
 */
function scanIpv6(text: string, start: number, end: number, groups: number[] | undefined): number {
  let count = 0;
  let compressedAt = -1;
  let ipv4Required = false;
  let i = start;
  if (i + 1 < end && text.charCodeAt(i) === COLON && text.charCodeAt(i + 1) === COLON) {
    compressedAt = 0;
    i += 2;
    ipv4Required = i < end && text.charCodeAt(i) === COLON;
    if (ipv4Required) i++;
  }
  while (i < end) {
    const stop = hexRunEnd(text, i, end);
    if (stop < end && text.charCodeAt(stop) === DOT) {
      const ipv4 = ipv4Value(text, i, end);
      if (ipv4 < 0) return INVALID;
      groups?.push(Math.floor(ipv4 / 65536), ipv4 % 65536);
      count += 2;
      ipv4Required = false;
      break;
    }
    if (ipv4Required || stop === i || stop - i > 4) return INVALID;
    groups?.push(hexNumber(text, i, stop));
    count++;
    i = stop;
    if (i === end) break;
    if (text.charCodeAt(i) !== COLON || i + 1 === end) return INVALID;
    i++;
    if (text.charCodeAt(i) !== COLON) continue;
    if (compressedAt >= 0) return INVALID;
    compressedAt = count;
    i++;
    ipv4Required = i < end && text.charCodeAt(i) === COLON;
    if (ipv4Required) i++;
  }
  if (ipv4Required || (compressedAt >= 0 ? count > 7 : count !== 8)) return INVALID;
  return compressedAt;
}

/** Where a run of hex digits starting at `start` ends, looking at most five characters ahead. */
function hexRunEnd(text: string, start: number, end: number): number {
  let i = start;
  while (i < end && i - start < 5 && hexValue(text.charCodeAt(i)) >= 0) i++;
  return i;
}

function hexNumber(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 16 + hexValue(text.charCodeAt(i));
  return value;
}

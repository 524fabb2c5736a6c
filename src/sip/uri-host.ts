// The host of a SIP, SIPS, im: or pres: URI (RFC 3261 §25.1 host): a hostname, an IPv4address or
// a bracketed IPv6reference. Validated in one pass; the text is kept as written.

import { UriCharacterClass, describeCharacter, hasClass, hexValue, scanPlain } from './uri-character-class.js';
import { asciiLowerCase } from './unescape-uri-part.js';
import { uriMalformed } from './uri-malformed.js';

export type HostKind = 'hostname' | 'ipv4' | 'ipv6';

export interface ScannedHost {
  readonly host: string;
  readonly hostKind: HostKind;
  /** Offset just past the host in the scanned text. */
  readonly end: number;
}

// RFC 1035 §2.3.4: 63 octets a label, 255 on the wire, so 253 in dotted text without the root dot.
const MAX_LABEL_LENGTH = 63;
const MAX_HOSTNAME_LENGTH = 253;

/** Scans the host that starts at `start`; the caller checks what follows `end`. */
export function scanUriHost(text: string, start: number, end: number, part: string): ScannedHost {
  if (start >= end) uriMalformed(`${part} has an empty host at offset ${start}`);
  if (text.charCodeAt(start) === 91) return scanIpv6Reference(text, start, end, part);
  const stop = scanPlain(text, start, end, UriCharacterClass.hostname);
  if (stop === start) {
    uriMalformed(`${part} has an empty host: found ${describeCharacter(text, start)} at offset ${start}`);
  }
  if (stop < end && text.charCodeAt(stop) === 58 && isBareIpv6(text, start, end)) {
    // RFC 5118 §4.2: "sip:2001:db8::10" is malformed; RFC 3261 §25.1 IPv6reference needs "[" "]".
    uriMalformed(`${part} has an IPv6 address at offset ${start} not enclosed in "[" "]"`);
  }
  const hostKind = classifyHost(text, start, stop, part);
  return { host: text.slice(start, stop), hostKind, end: stop };
}

function isBareIpv6(text: string, start: number, end: number): boolean {
  let colons = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 58) colons++;
    else if (code !== 46 && hexValue(code) < 0) break;
  }
  return colons >= 2;
}

function scanIpv6Reference(text: string, start: number, end: number, part: string): ScannedHost {
  const close = text.indexOf(']', start + 1);
  if (close < 0 || close >= end) uriMalformed(`${part} has an unclosed IPv6 reference "[" at offset ${start}`);
  if (parseIpv6(text, start + 1, close) === undefined) {
    uriMalformed(`${part} has an invalid IPv6 address "${text.slice(start, close + 1)}" at offset ${start}`);
  }
  return { host: text.slice(start, close + 1), hostKind: 'ipv6', end: close + 1 };
}

/**
 * RFC 3261 §25.1: a toplabel begins with a letter, which is what tells a hostname from an
 * IPv4address; a dotted-decimal host must then be four octets of at most 255.
 */
function classifyHost(text: string, start: number, stop: number, part: string): HostKind {
  const topStart = checkLabels(text, start, stop, part);
  if (hasClass(text.charCodeAt(topStart), UriCharacterClass.alpha)) {
    const length = text.charCodeAt(stop - 1) === 46 ? stop - start - 1 : stop - start;
    if (length > MAX_HOSTNAME_LENGTH) uriMalformed(`${part} has a hostname longer than ${MAX_HOSTNAME_LENGTH} characters`);
    return 'hostname';
  }
  if (parseIpv4(text, start, stop) === undefined) {
    uriMalformed(
      `${part} host "${text.slice(start, stop)}" at offset ${start} is neither an IPv4 address ` +
        '(four dotted octets 0-255) nor a hostname (its top label must begin with a letter)',
    );
  }
  return 'ipv4';
}

/** Checks each dot-separated label (alphanum, inner "-") and returns where the top label starts. */
function checkLabels(text: string, start: number, stop: number, part: string): number {
  let labelStart = start;
  let topStart = start;
  while (labelStart < stop) {
    let labelEnd = text.indexOf('.', labelStart);
    if (labelEnd < 0 || labelEnd > stop) labelEnd = stop;
    if (labelEnd === labelStart) uriMalformed(`${part} host has an empty label at offset ${labelStart}`);
    if (text.charCodeAt(labelStart) === 45 || text.charCodeAt(labelEnd - 1) === 45) {
      uriMalformed(`${part} host label at offset ${labelStart} begins or ends with "-"`);
    }
    if (labelEnd - labelStart > MAX_LABEL_LENGTH) {
      uriMalformed(`${part} host label at offset ${labelStart} is longer than ${MAX_LABEL_LENGTH} characters`);
    }
    topStart = labelStart;
    labelStart = labelEnd + 1;
  }
  return topStart;
}

/** Dotted-decimal IPv4 over exactly [start, end): four octets of 1-3 digits, each at most 255. */
export function parseIpv4(text: string, start: number, end: number): number[] | undefined {
  const octets: number[] = [];
  let i = start;
  while (octets.length < 4) {
    let value = 0;
    let digits = 0;
    while (i < end && digits < 4 && hasClass(text.charCodeAt(i), UriCharacterClass.digit)) {
      value = value * 10 + (text.charCodeAt(i) - 48);
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || value > 255) return undefined;
    octets.push(value);
    if (octets.length < 4) {
      if (i >= end || text.charCodeAt(i) !== 46) return undefined;
      i++;
    }
  }
  return i === end ? octets : undefined;
}

/**
 * RFC 4291 §2.2 text form over exactly [start, end), as eight 16-bit groups. RFC 5118 §4.10: the
 * RFC 3261 ABNF lets "::" be followed by ":" and an IPv4 tail ("2001:db8:::192.0.2.1"), and
 * implementations must tolerate that form, so it reads as the two-colon address.
 */
export function parseIpv6(text: string, start: number, end: number): number[] | undefined {
  const head: number[] = [];
  const tail: number[] = [];
  let groups = head;
  let compressed = false;
  let ipv4Required = false;
  let i = start;
  if (end - start >= 2 && text.charCodeAt(i) === 58 && text.charCodeAt(i + 1) === 58) {
    compressed = true;
    groups = tail;
    i += 2;
    if (i < end && text.charCodeAt(i) === 58) [i, ipv4Required] = [i + 1, true];
  }
  while (i < end) {
    const group = readGroup(text, i, end, groups, ipv4Required);
    if (group < 0) return undefined;
    i = group;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58 || i + 1 === end) return undefined;
    i++;
    if (text.charCodeAt(i) !== 58) continue;
    if (compressed) return undefined;
    compressed = true;
    groups = tail;
    i++;
    if (i < end && text.charCodeAt(i) === 58) [i, ipv4Required] = [i + 1, true];
  }
  return assembleGroups(head, tail, compressed);
}

/** Reads one hex group, or the IPv4 tail that must end the address; returns the next offset or -1. */
function readGroup(text: string, start: number, end: number, groups: number[], ipv4Required: boolean): number {
  let i = start;
  let value = 0;
  while (i < end && i - start < 5 && hexValue(text.charCodeAt(i)) >= 0) value = value * 16 + hexValue(text.charCodeAt(i++));
  if (i < end && text.charCodeAt(i) === 46) {
    const octets = parseIpv4(text, start, end);
    if (octets === undefined) return -1;
    groups.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
    return end;
  }
  if (ipv4Required || i === start || i - start > 4) return -1;
  groups.push(value);
  return i;
}

function assembleGroups(head: number[], tail: number[], compressed: boolean): number[] | undefined {
  const total = head.length + tail.length;
  if (compressed ? total > 7 : total !== 8) return undefined;
  const zeros = new Array<number>(8 - total).fill(0);
  return [...head, ...zeros, ...tail];
}

/** RFC 3261 §19.1.4: hosts compare case-insensitively; IPv6 references compare as addresses. */
export function hostsEqual(a: string, aKind: HostKind, b: string, bKind: HostKind): boolean {
  if (aKind !== bKind) return false;
  if (aKind !== 'ipv6') return a.length === b.length && asciiLowerCase(a) === asciiLowerCase(b);
  const left = parseIpv6(a, 1, a.length - 1);
  const right = parseIpv6(b, 1, b.length - 1);
  if (left === undefined || right === undefined) return a === b;
  return left.every((group, index) => group === right[index]);
}

/** RFC 3966 §3 domainname (used by phone-context): a hostname whose top label begins with a letter. */
export function checkDomainName(text: string, start: number, end: number, part: string): void {
  const stop = scanPlain(text, start, end, UriCharacterClass.hostname);
  if (stop !== end || start === end) uriMalformed(`${part} is not a domain name at offset ${start}`);
  if (classifyHost(text, start, end, part) !== 'hostname') {
    uriMalformed(`${part} at offset ${start} must be a domain name, not an IPv4 address`);
  }
}

// The host of a SIP, SIPS, im: or pres: URI (RFC 3261 §25.1 host): a hostname, an IPv4address or
// a bracketed IPv6reference. Validated in one pass; the text is kept as written.

import { UriCharacterClass, describeCharacter, hasClass, hexValue, scanPlain } from './uri-character-class.js';
import { ipv4Value, ipv6Groups, isIpv6Address } from './uri-ip-address.js';
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
  if (!isIpv6Address(text, start + 1, close)) {
    uriMalformed(
      `${part} has an invalid IPv6 address ${JSON.stringify(text.slice(start, close + 1))} at offset ${start}`,
    );
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
    if (length > MAX_HOSTNAME_LENGTH)
      uriMalformed(`${part} has a hostname longer than ${MAX_HOSTNAME_LENGTH} characters`);
    return 'hostname';
  }
  if (ipv4Value(text, start, stop) < 0) {
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

/** RFC 3261 §19.1.4: hosts compare case-insensitively; IPv6 references compare as addresses. */
export function hostsEqual(a: string, aKind: HostKind, b: string, bKind: HostKind): boolean {
  if (aKind !== bKind) return false;
  if (aKind !== 'ipv6') return a.length === b.length && asciiLowerCase(a) === asciiLowerCase(b);
  const left = ipv6Groups(a, 1, a.length - 1);
  const right = ipv6Groups(b, 1, b.length - 1);
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

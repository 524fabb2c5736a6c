// hostport = host [ ":" port ], host = hostname / IPv4address / IPv6reference (RFC 3261 §25.1),
// as it appears in a Via sent-by. RFC 5118 §4.10: a bracketed IPv6 address with three colons is
// tolerated.

import type { HeaderScanner } from './header-scanner.js';

export type HostKind = 'hostname' | 'ipv4' | 'ipv6';

export interface HostPort {
  /** As written; an IPv6 reference keeps its brackets. */
  readonly host: string;
  readonly hostKind: HostKind;
  readonly port: number | undefined;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function scanHostPort(scanner: HeaderScanner): HostPort {
  scanner.skipWhiteSpace();
  const { host, hostKind } = scanner.peek() === 0x5b ? scanIpv6Reference(scanner) : scanHostname(scanner);
  let port: number | undefined;
  if (scanner.accept(0x3a)) port = scanner.integer('port', 65535);
  return { host, hostKind, port };
}

function scanIpv6Reference(scanner: HeaderScanner): { host: string; hostKind: HostKind } {
  const start = scanner.pos++;
  while (scanner.pos < scanner.end) {
    const c = scanner.text.charCodeAt(scanner.pos);
    const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    if (!hex && c !== 0x3a && c !== 0x2e) break;
    scanner.pos++;
  }
  if (scanner.peek() !== 0x5d) scanner.fail('IPv6 reference without a closing "]"');
  scanner.pos++;
  const host = scanner.text.slice(start, scanner.pos);
  if (host.indexOf(':') === -1) scanner.fail(`"${host}" is not an IPv6 address`);
  return { host, hostKind: 'ipv6' };
}

function scanHostname(scanner: HeaderScanner): { host: string; hostKind: HostKind } {
  const start = scanner.pos;
  while (scanner.pos < scanner.end) {
    const c = scanner.text.charCodeAt(scanner.pos);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f;
    if (!ok) break;
    scanner.pos++;
  }
  const host = scanner.text.slice(start, scanner.pos);
  if (host.length === 0) scanner.fail('expected a host');
  const topLabelStart = host.lastIndexOf('.', host.length - 2) + 1;
  const firstOfTopLabel = host.charCodeAt(topLabelStart);
  if (firstOfTopLabel >= 0x30 && firstOfTopLabel <= 0x39) {
    // A host whose last label starts with a digit can only be an IPv4 address (RFC 3261 toplabel).
    const ipv4 = IPV4.exec(host);
    if (ipv4 === null) scanner.fail(`"${host}" is neither a host name nor an IPv4 address`);
    for (let i = 1; i <= 4; i++) if (Number(ipv4[i]) > 255) scanner.fail(`"${host}" is not an IPv4 address`);
    return { host, hostKind: 'ipv4' };
  }
  if (host.startsWith('.') || host.includes('..') || host.startsWith('-')) scanner.fail(`"${host}" is not a host name`);
  return { host, hostKind: 'hostname' };
}

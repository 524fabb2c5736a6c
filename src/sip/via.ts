// Via (RFC 3261 §20.42, §25.1; RFC 3581 rport; RFC 5923 alias): sent-protocol, sent-by and params.

import { HeaderScanner } from './header-scanner.js';
import { scanHeaderParams, type HeaderParams } from './header-params.js';
import { scanHostPort, type HostKind } from './host-port.js';

export interface Via {
  readonly protocolName: string;
  readonly protocolVersion: string;
  /** Upper-cased: "UDP", "TCP", "TLS", "SCTP", or an extension transport. */
  readonly transport: string;
  readonly host: string;
  readonly hostKind: HostKind;
  readonly port: number | undefined;
  readonly params: HeaderParams;
  readonly branch: string | undefined;
  readonly received: string | undefined;
  /** RFC 3581: null when the parameter is present without a value (a request to fill it in). */
  readonly rport: number | null | undefined;
  readonly maddr: string | undefined;
  readonly ttl: number | undefined;
  /** RFC 5923 alias: the sender offers the connection for reuse. */
  readonly alias: boolean;
}

/** The magic cookie that marks an RFC 3261 branch (§8.1.1.7). */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export function parseVia(value: string): Via {
  const scanner = new HeaderScanner('Via', value);
  const protocolName = scanner.token('a protocol name ("SIP")');
  scanner.expect(0x2f, '"/" after the protocol name');
  const protocolVersion = scanner.token('a protocol version');
  scanner.expect(0x2f, '"/" before the transport');
  const transport = upperCaseTransport(scanner.token('a transport'));
  const { host, hostKind, port } = scanHostPort(scanner);
  const params = scanHeaderParams(scanner);
  scanner.expectEnd();
  return {
    protocolName,
    protocolVersion,
    transport,
    host,
    hostKind,
    port,
    params,
    branch: params.get('branch') ?? undefined,
    received: params.get('received') ?? undefined,
    rport: parseRport(scanner, params),
    maddr: params.get('maddr') ?? undefined,
    ttl: parseTtl(scanner, params),
    alias: params.has('alias'),
  };
}

function parseRport(scanner: HeaderScanner, params: HeaderParams): number | null | undefined {
  const value = params.get('rport');
  if (value === undefined) return undefined;
  if (value === null) return null;
  const port = smallInteger(value, 5);
  if (!(port <= 65535)) scanner.fail(`rport "${value}" is not a port number`);
  return port;
}

function parseTtl(scanner: HeaderScanner, params: HeaderParams): number | undefined {
  const value = params.get('ttl');
  if (value === undefined || value === null) return undefined;
  const ttl = smallInteger(value, 3);
  if (!(ttl <= 255)) scanner.fail(`ttl "${value}" is not 0-255`);
  return ttl;
}

/** 1 to maxDigits decimal digits as a number, NaN otherwise. */
function smallInteger(text: string, maxDigits: number): number {
  if (text.length === 0 || text.length > maxDigits) return NaN;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return NaN;
    n = n * 10 + c - 0x30;
  }
  return n;
}

/** The sent-by of a Via as host[:port], for matching and for building responses. */
export function viaSentBy(via: Via): string {
  return via.port === undefined ? via.host : `${via.host}:${via.port}`;
}

const TRANSPORTS = new Map(
  ['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS'].flatMap((t) => [
    [t, t],
    [t.toLowerCase(), t],
  ]),
);

function upperCaseTransport(token: string): string {
  return TRANSPORTS.get(token) ?? token.toUpperCase();
}

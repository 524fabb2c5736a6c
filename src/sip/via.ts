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
  const transport = scanner.token('a transport').toUpperCase();
  const { host, hostKind, port } = scanHostPort(scanner);
  const params = scanHeaderParams(scanner);
  scanner.expectEnd();
  return {
    protocolName, protocolVersion, transport, host, hostKind, port, params,
    branch: params.get('branch') ?? undefined,
    received: params.get('received') ?? undefined,
    rport: parseRport(scanner, params),
    maddr: params.get('maddr') ?? undefined,
    ttl: parseTtl(scanner, params),
    alias: params.has('alias'),
  };
}

function parseRport(scanner: HeaderScanner, params: HeaderParams): number | null | undefined {
  if (!params.has('rport')) return undefined;
  const value = params.get('rport');
  if (value === null || value === undefined) return null;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port <= 65535)) scanner.fail(`rport "${value}" is not a port number`);
  return port;
}

function parseTtl(scanner: HeaderScanner, params: HeaderParams): number | undefined {
  const value = params.get('ttl');
  if (value === undefined || value === null) return undefined;
  const ttl = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(ttl <= 255)) scanner.fail(`ttl "${value}" is not 0-255`);
  return ttl;
}

/** The sent-by of a Via as host[:port], for matching and for building responses. */
export function viaSentBy(via: Via): string {
  return via.port === undefined ? via.host : `${via.host}:${via.port}`;
}

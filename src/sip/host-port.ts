// hostport = host [ ":" port ] (RFC 3261 §25.1) as it appears in a Via sent-by: the host grammar is
// the URI one (uri-host.ts), reported as a malformed header value.

import { isEdgeError } from '../errors.js';
import type { HeaderScanner } from './header-scanner.js';
import { scanUriHost, type HostKind, type ScannedHost } from './uri-host.js';

export type { HostKind };

export interface HostPort {
  /** As written; an IPv6 reference keeps its brackets. */
  readonly host: string;
  readonly hostKind: HostKind;
  readonly port: number | undefined;
}

export function scanHostPort(scanner: HeaderScanner): HostPort {
  scanner.skipWhiteSpace();
  let scanned: ScannedHost | undefined;
  try {
    scanned = scanUriHost(scanner.text, scanner.pos, scanner.end, 'sent-by');
  } catch (error) {
    if (!isEdgeError(error)) throw error;
    scanner.fail(error.message);
  }
  scanner.pos = scanned.end;
  let port: number | undefined;
  if (scanner.accept(0x3a)) port = scanner.integer('port', 65535);
  return { host: scanned.host, hostKind: scanned.hostKind, port };
}

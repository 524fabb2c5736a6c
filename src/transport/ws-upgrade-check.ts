// Whether an HTTP request may become a SIP WebSocket connection (SPEC I7, RFC 7118 §4.1, RFC 6455 §4.2):
// the listener's path, a real upgrade, the `sip` subprotocol, an Origin on the allow-list, and room
// under the connection cap. Pure, so each refusal is tested without a socket.

import type { IncomingHttpHeaders } from 'node:http';

/** Why an upgrade was refused: the label of the refusal metric, bounded. */
export type WebSocketRefusal = 'path' | 'not-websocket' | 'subprotocol' | 'origin' | 'connection-cap' | 'handshake';

export const WEBSOCKET_REFUSALS: readonly WebSocketRefusal[] = [
  'path',
  'not-websocket',
  'subprotocol',
  'origin',
  'connection-cap',
  'handshake',
];

/** RFC 7118 §4.1: the WebSocket subprotocol registered for SIP. */
export const SIP_SUBPROTOCOL = 'sip';

export interface WebSocketSettings {
  /** The HTTP path the upgrade must name; other paths are left to the page handler or answered 404. */
  readonly path: string;
  /** Origins (`https://host[:port]`) a browser may connect from; empty admits any. */
  readonly origins: readonly string[];
}

export const DEFAULT_WEBSOCKET_SETTINGS: WebSocketSettings = { path: '/', origins: [] };

export interface UpgradeRequest {
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

export interface UpgradeRefusal {
  readonly reason: WebSocketRefusal;
  readonly status: number;
  readonly text: string;
}

export function checkUpgrade(
  request: UpgradeRequest,
  settings: WebSocketSettings,
  hasRoomForConnection: () => boolean,
): UpgradeRefusal | undefined {
  if (pathOf(request.url) !== settings.path)
    return { reason: 'path', status: 404, text: `no SIP WebSocket endpoint at this path; use ${settings.path}` };
  if (request.headers.upgrade?.toLowerCase() !== 'websocket')
    return { reason: 'not-websocket', status: 400, text: 'expected a WebSocket upgrade' };
  if (!offeredSubprotocols(request.headers['sec-websocket-protocol']).includes(SIP_SUBPROTOCOL))
    return { reason: 'subprotocol', status: 400, text: 'RFC 7118: the sip WebSocket subprotocol is required' };
  if (!originAllowed(request.headers.origin, settings.origins))
    return { reason: 'origin', status: 403, text: 'this Origin may not open SIP WebSocket connections' };
  if (!hasRoomForConnection())
    return { reason: 'connection-cap', status: 503, text: 'too many connections; try again later' };
  return undefined;
}

/** RFC 6455 §4.1: Sec-WebSocket-Protocol is a comma-separated list of tokens, compared exactly. */
export function offeredSubprotocols(header: string | undefined): string[] {
  return header === undefined ? [] : header.split(',').map((token) => token.trim());
}

/**
 * RFC 6454 §7: browsers always send Origin, so a cross-site page is refused here; a request with no
 * Origin comes from a program, not a page, and has nothing to borrow from a browser: it is admitted.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0 || origin === undefined) return true;
  const wanted = normalisedOrigin(origin);
  return wanted !== undefined && allowed.some((entry) => normalisedOrigin(entry) === wanted);
}

/** Scheme and host lower-cased, a default port dropped (as browsers serialise it); undefined when not a URL. */
export function normalisedOrigin(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The bytes of an HTTP refusal on a socket that asked to upgrade: no WebSocket is set up. */
export function refusalResponse(refusal: UpgradeRefusal): string {
  const body = `${refusal.text}\n`;
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    403: 'Forbidden',
    404: 'Not Found',
    503: 'Service Unavailable',
  };
  return [
    `HTTP/1.1 ${refusal.status} ${reasons[refusal.status] ?? 'Refused'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(refusal.reason === 'connection-cap' ? ['Retry-After: 5'] : []),
    '',
    body,
  ].join('\r\n');
}

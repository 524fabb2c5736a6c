// A flow token (in the spirit of RFC 5626 §5.3.1) in the user part of the edge's Record-Route entry
// that faces a community client: where the dialog-creating request came from, so a peer's requests
// later in the dialog go back there (SPEC B3) rather than to whatever host the client's Contact names.
// Keyed with a secret of this process, so nobody else can write one; after a restart a token no longer
// verifies and the request is routed on its Request-URI like any other.

import { createHmac, randomBytes } from 'node:crypto';
import type { TransportProtocol } from '../transport/flow.js';

export interface RecordedFlow {
  readonly protocol: TransportProtocol;
  readonly address: string;
  readonly port: number;
}

const SECRET = randomBytes(16);
const MAC_LENGTH = 12;
const PROTOCOLS: ReadonlySet<string> = new Set(['udp', 'tcp', 'tls', 'ws', 'wss']);

export function flowToken(flow: RecordedFlow): string {
  const payload = Buffer.from(`${flow.protocol} ${flow.address} ${flow.port}`, 'utf8').toString('base64url');
  return `${payload}.${mac(payload)}`;
}

/** The flow a token names, or undefined when it is not a token this process wrote. */
export function readFlowToken(user: string): RecordedFlow | undefined {
  const dot = user.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = user.slice(0, dot);
  if (user.slice(dot + 1) !== mac(payload)) return undefined;
  const [protocol, address, port] = Buffer.from(payload, 'base64url').toString('utf8').split(' ');
  if (protocol === undefined || !PROTOCOLS.has(protocol) || address === undefined || port === undefined)
    return undefined;
  return { protocol: protocol as TransportProtocol, address, port: Number(port) };
}

function mac(payload: string): string {
  return createHmac('sha256', SECRET).update(payload).digest('base64url').slice(0, MAC_LENGTH);
}

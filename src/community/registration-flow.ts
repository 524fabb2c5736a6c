// Which bindings are reached over the connection they were registered on, rather than at the host
// their Contact names (SPEC I7, RFC 7118 §5): a browser on a WebSocket cannot be dialled, and its
// Contact names a random `.invalid` host. The one place that decides it, so RFC 5626 outbound (flows
// named in bindings, SPEC I6) can take it over.
import { isSipUri, parseUri } from '../sip/uri.js';
import { isWebSocketProtocol, type Endpoint, type TransportProtocol } from '../transport/flow.js';

/** The connection a binding was registered over, as the transport finds it again (protocol and far end). */
export interface RegistrationFlow {
  readonly protocol: TransportProtocol;
  readonly address: string;
  readonly port: number;
}

/** Where a REGISTER arrived: the flow's protocol and far end. */
export interface RegistrationArrival {
  readonly protocol: TransportProtocol;
  readonly remote: Endpoint;
}

/**
 * The flow to record with a binding: for a client on a WebSocket, or one whose Contact host is a
 * `.invalid` name (RFC 6761 §6.4: it resolves nowhere) or asks for ws/wss; otherwise none, and requests
 * go to the Contact as RFC 3261 §16.5 says.
 */
export function registrationFlow(
  contact: string,
  arrival: RegistrationArrival | undefined,
): RegistrationFlow | undefined {
  if (arrival === undefined || arrival.protocol === 'udp') return undefined;
  if (!isWebSocketProtocol(arrival.protocol) && !unreachableContact(contact)) return undefined;
  return { protocol: arrival.protocol, address: arrival.remote.address, port: arrival.remote.port };
}

function unreachableContact(contact: string): boolean {
  try {
    const uri = parseUri(contact);
    if (!isSipUri(uri)) return false;
    const transport = uri.params.get('transport')?.toLowerCase();
    return uri.host.toLowerCase().endsWith('.invalid') || (transport !== undefined && isWebSocketProtocol(transport));
  } catch {
    return false;
  }
}

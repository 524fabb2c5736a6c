// Where a request for a built-in component came from, as routing knows it.
import type { Side, TransportProtocol } from '../transport/flow.js';

export interface RequestOrigin {
  readonly side: Side;
  readonly protocol: TransportProtocol;
  /** The sender's community domain (the authenticated peer when across the border). */
  readonly peer: string;
  /** The target's address-of-record (a Request-URI naming the edge's own address is mapped to the domain). */
  readonly target: string;
  /** The address and port the request came from (the flow's far end). */
  readonly source: { readonly address: string; readonly port: number };
}

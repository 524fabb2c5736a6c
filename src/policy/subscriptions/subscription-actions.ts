// The port through which the subscription layer speaks in a dialog itself (P9, X3), declared here
// where it is used (STYLE rule 3); the proxy layer implements it over the transaction layer
// (src/proxy/in-dialog-sender.ts). The requests are built here (in-dialog-requests.ts) from the
// stored dialog; the implementation picks the route set, the flow, the Via and the branch.

import type { Side, TransportProtocol } from '../../transport/flow.js';

export interface InDialogRequest {
  readonly method: 'NOTIFY' | 'SUBSCRIBE';
  /** Which end receives it: its route set is the part of the dialog's Record-Route on its side of the edge. */
  readonly recipient: 'watcher' | 'notifier';
  /** The side of the edge the recipient is on. */
  readonly side: Side;
  /** The peer community's domain: the TLS server name when the recipient is on the external side. */
  readonly peer: string;
  /** The recipient's Contact (the remote target, RFC 3261 §12.2.1.1). */
  readonly requestUri: string;
  /**
   * Where to send it instead of the first hop the route set or Contact names: the address the
   * dialog's request came from (a watcher inside the community; SPEC B3, docs/SECURITY.md).
   */
  readonly destination?: { readonly protocol: TransportProtocol; readonly address: string; readonly port: number };
  /** The dialog's Record-Route values as in the 2xx that created it, topmost first, the edge's own among them. */
  readonly recordRoute: readonly string[];
  /** From and To values with their tags, Call-ID and CSeq of the sending end (RFC 3261 §12.2.1.1). */
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: number;
  /** Further header lines: Event, Subscription-State, Expires, Contact. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** A NOTIFY's body (the built-in presence server's PIDF) and its Content-Type. */
  readonly body?: Buffer;
  readonly contentType?: string;
}

export interface SubscriptionActions {
  /** Send the request; resolves with its final status (408 when timed out, 503 when it could not be sent), never rejects. */
  send(request: InDialogRequest): Promise<number>;
}

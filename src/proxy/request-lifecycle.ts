// node:diagnostics_channel publish points for a request's life in the proxy core, for tracing and
// ad-hoc debugging without a logger or metric in the way. Each is published only while something
// subscribes (`hasSubscribers`), so an edge nobody watches pays one property read per point.
//
//   simple-edge:request:received  { request, transaction }            the proxy core took a new request
//   simple-edge:request:decided   { request, transaction, decision }  the route decided: `relayed`, or the
//                                                                     SPEC ID and step/rule that answers
//   simple-edge:request:relayed   { request, transaction, targets }   the relay to the targets started
//   simple-edge:request:answered  { request, transaction, decision, status }  the final response left
//                                                                     (status undefined: the transaction
//                                                                     ended without one)
//
// `request` is the IncomingRequest, `transaction` the server transaction's id.

import diagnostics from 'node:diagnostics_channel';

export const lifecycle = {
  received: diagnostics.channel('simple-edge:request:received'),
  decided: diagnostics.channel('simple-edge:request:decided'),
  relayed: diagnostics.channel('simple-edge:request:relayed'),
  answered: diagnostics.channel('simple-edge:request:answered'),
} as const;

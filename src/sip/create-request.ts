// A request the edge originates itself (a NOTIFY to a watcher, an OPTIONS probe): every mandatory
// header of RFC 3261 §8.1.1, written in canonical form.

import { newCallId, newTag } from './identifiers.js';
import { OutgoingMessage } from './outgoing-message.js';

export interface RequestSpec {
  readonly method: string;
  readonly requestUri: string;
  /** Full From value, with a tag; one is added when absent. */
  readonly from: string;
  readonly to: string;
  readonly callId?: string;
  readonly cseq: number;
  /** The edge's Via value, branch included. */
  readonly via: string;
  readonly maxForwards?: number;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer;
  readonly contentType?: string;
  /** Host used in a generated Call-ID. */
  readonly localHost: string;
}

export function createRequest(spec: RequestSpec): OutgoingMessage {
  const request = new OutgoingMessage(`${spec.method} ${spec.requestUri} SIP/2.0`);
  request.append('Via', spec.via);
  request.append('Max-Forwards', String(spec.maxForwards ?? 70));
  request.append('From', /;\s*tag=/i.test(spec.from) ? spec.from : `${spec.from};tag=${newTag()}`);
  request.append('To', spec.to);
  request.append('Call-ID', spec.callId ?? newCallId(spec.localHost));
  request.append('CSeq', `${spec.cseq} ${spec.method}`);
  for (const [name, value] of spec.headers ?? []) request.append(name, value);
  if (spec.body !== undefined) request.setBody(spec.body, spec.contentType);
  return request;
}

// The response an answer at the edge becomes: its status and reason, a Warning saying why when the
// answer names a reason and no headers of its own, and for a built-in component answering as the UAS
// its To tag and body.

import { createResponse } from '../sip/create-response.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import { warning, type Answer } from './validate-request.js';

export function answerMessage(request: IncomingRequest, answer: Answer): OutgoingMessage {
  const headers = answer.headers ?? (answer.reason === undefined ? [] : [['Warning', warning(answer.reason)] as const]);
  return createResponse(request, answer.status, {
    headers,
    ...(answer.reason === undefined ? {} : { reason: answer.reason }),
    ...(answer.toTag === undefined ? {} : { toTag: answer.toTag }),
    ...(answer.body === undefined
      ? {}
      : { body: answer.body, ...(answer.contentType === undefined ? {} : { contentType: answer.contentType }) }),
  });
}

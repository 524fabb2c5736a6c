// RFC 3261 §17.1.1.3: the ACK a client INVITE transaction sends itself for a 300-699 final response.
// Same Request-URI, Call-ID, From and CSeq number as the INVITE, CSeq method ACK, only the INVITE's
// top Via, the To of the response (with its tag), and the INVITE's Route headers.

import { EdgeError } from '../errors.js';
import { parseCSeq } from '../sip/cseq.js';
import { splitHeaderList } from '../sip/header-list.js';
import type { IncomingResponse } from '../sip/incoming-message.js';
import { OutgoingMessage } from '../sip/outgoing-message.js';

export function createAck(invite: OutgoingMessage, response: IncomingResponse): OutgoingMessage {
  const requestUri = invite.startLine.split(' ')[1];
  if (requestUri === undefined)
    throw new EdgeError('START_LINE_MALFORMED', `"${invite.startLine.slice(0, 40)}" has no Request-URI`);
  const topVia = splitHeaderList(required(invite, 'Via'), [])[0]!;
  const { seq } = parseCSeq(required(invite, 'CSeq'));
  const to = response.headers.get('to');
  if (to === undefined) throw new EdgeError('HEADER_MISSING', 'no To header in the response');
  const ack = new OutgoingMessage(`ACK ${requestUri} SIP/2.0`)
    .append('Via', topVia)
    .append('Max-Forwards', '70')
    .append('From', required(invite, 'From'))
    .append('To', to)
    .append('Call-ID', required(invite, 'Call-ID'))
    .append('CSeq', `${seq} ACK`);
  // §17.1.1.3: the ACK follows the INVITE's route, so it reaches the element that sent the response.
  for (const route of invite.getAll('Route')) ack.append('Route', route);
  return ack;
}

function required(message: OutgoingMessage, name: string): string {
  const value = message.get(name);
  if (value === undefined) throw new EdgeError('HEADER_MISSING', `no ${name} header in the INVITE`);
  return value;
}

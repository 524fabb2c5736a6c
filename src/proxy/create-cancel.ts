// RFC 3261 §9.1: a CANCEL for a forwarded INVITE names the same Request-URI, Call-ID, To, From and
// CSeq number, carries only the top Via of the INVITE (same branch), and the same Route headers.

import { OutgoingMessage } from '../sip/outgoing-message.js';
import { splitHeaderList } from '../sip/header-list.js';

export function createCancel(invite: OutgoingMessage): OutgoingMessage {
  const requestUri = invite.startLine.split(' ')[1]!;
  const cancel = new OutgoingMessage(`CANCEL ${requestUri} SIP/2.0`);
  cancel.append('Via', splitHeaderList(invite.getAll('via')[0]!, [])[0]!);
  for (const route of invite.getAll('route')) cancel.append('Route', route);
  cancel.append('Max-Forwards', '70');
  cancel.append('From', invite.get('from')!);
  cancel.append('To', invite.get('to')!);
  cancel.append('Call-ID', invite.get('call-id')!);
  cancel.append('CSeq', `${invite.get('cseq')!.trim().split(/\s+/)[0]} CANCEL`);
  return cancel;
}

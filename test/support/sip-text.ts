// Test helper: write SIP messages with \n line ends in test source; the wire uses CRLF.

export function sip(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
}

export const MESSAGE_REQUEST = [
  'MESSAGE sip:bob@b.example.net SIP/2.0',
  'Via: SIP/2.0/TLS edge.a.example.com:5061;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'From: "Alice" <sip:alice@a.example.com>;tag=49583',
  'To: <sip:bob@b.example.net>',
  'Call-ID: a84b4c76e66710@pc33.a.example.com',
  'CSeq: 1 MESSAGE',
  'Content-Type: text/plain',
  'Content-Length: 5',
  '',
  'hello',
].join('\n');

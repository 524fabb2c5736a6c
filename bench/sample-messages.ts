// Typical inter-domain traffic as it crosses an edge: a page-mode MESSAGE, a presence SUBSCRIBE and a
// NOTIFY carrying PIDF with RPID and CIPID extensions, each after one hop from the peer's edge.

function wire(lines: string[], body = ''): Buffer {
  const withLength = lines.map((l) => (l === 'Content-Length: *' ? `Content-Length: ${Buffer.byteLength(body)}` : l));
  return Buffer.from(`${withLength.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

const COMMON = [
  'Via: SIP/2.0/TLS edge.b.example.net:5061;branch=z9hG4bK7f3a9c2e1d;received=198.51.100.7;rport=40112',
  'Via: SIP/2.0/TCP 10.20.0.15:5060;branch=z9hG4bKab41c1;rport=5060',
  'Max-Forwards: 68',
  'Record-Route: <sip:edge.b.example.net:5061;transport=tls;lr;r2=on>',
  'Record-Route: <sip:10.20.0.2;transport=tcp;lr;r2=on>',
];

export const SAMPLE_MESSAGE = wire(
  [
    'MESSAGE sip:alice@a.example.com SIP/2.0',
    ...COMMON,
    'From: "Bob Builder" <sip:bob@b.example.net>;tag=9fxced76sl',
    'To: <sip:alice@a.example.com>',
    'Call-ID: 3848276298220188511@b.example.net',
    'CSeq: 43 MESSAGE',
    'P-Asserted-Identity: <sip:bob@b.example.net>',
    'User-Agent: b-community-im/4.2',
    'Content-Type: text/plain;charset=UTF-8',
    'Content-Length: *',
  ],
  'Are we still on for the design review at three? I booked room 4.',
);

export const SAMPLE_SUBSCRIBE = wire([
  'SUBSCRIBE sip:alice@a.example.com SIP/2.0',
  ...COMMON,
  'From: <sip:bob@b.example.net>;tag=31415',
  'To: <sip:alice@a.example.com>',
  'Call-ID: 0d3f47a1e8b2c9@b.example.net',
  'CSeq: 1 SUBSCRIBE',
  'Contact: <sip:bob@10.20.0.15:5060;transport=tcp>;expires=3600',
  'Event: presence',
  'Accept: application/pidf+xml, application/rlmi+xml, multipart/related',
  'Supported: eventlist',
  'Expires: 3600',
  'Allow-Events: presence',
  'Content-Length: 0',
]);

const PIDF = `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
  xmlns:cipid="urn:ietf:params:xml:ns:pidf:cipid" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
  entity="pres:bob@b.example.net">
  <tuple id="t8a7s">
    <status><basic>open</basic></status>
    <contact priority="0.8">sip:bob@b.example.net</contact>
    <timestamp>2026-11-21T09:30:47Z</timestamp>
  </tuple>
  <dm:person id="p1">
    <rpid:activities><rpid:meeting/></rpid:activities>
    <cipid:display-name>Bob Builder</cipid:display-name>
    <cipid:icon>https://b.example.net/icons/bob.png</cipid:icon>
  </dm:person>
</presence>
`;

export const SAMPLE_NOTIFY = wire(
  [
    'NOTIFY sip:alice@10.10.0.21:5060;transport=tcp SIP/2.0',
    ...COMMON,
    'From: <sip:bob@b.example.net>;tag=ffd2',
    'To: <sip:alice@a.example.com>;tag=31415',
    'Call-ID: 9d2c18a04ee1@a.example.com',
    'CSeq: 12 NOTIFY',
    'Contact: <sip:edge.b.example.net:5061;transport=tls>',
    'Event: presence',
    'Subscription-State: active;expires=3412',
    'Content-Type: application/pidf+xml',
    'Content-Length: *',
  ],
  PIDF,
);

export const SAMPLES: ReadonlyArray<readonly [string, Buffer]> = [
  ['MESSAGE', SAMPLE_MESSAGE],
  ['SUBSCRIBE', SAMPLE_SUBSCRIBE],
  ['NOTIFY+PIDF', SAMPLE_NOTIFY],
];

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProxyHarness, responseTo, sentMessage } from '../../test/support/proxy-harness.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import type { Endpoint } from '../transport/flow.js';
import { CallIdMapping } from './call-id-mapping.js';

const INVITE = [
  'INVITE sip:bob@b.example.net SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK-home1',
  'Via: SIP/2.0/UDP 10.0.0.99:5070;branch=z9hG4bK-ua1;rport',
  'Record-Route: <sip:10.0.0.7;lr>',
  'Max-Forwards: 70',
  'From: <sip:alice@a.example.com>;tag=a1',
  'To: <sip:bob@b.example.net>',
  'Call-ID: hide-1@10.0.0.99',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@10.0.0.99:5070>;+sip.instance="<urn:uuid:1>"',
  'Content-Length: 0',
  '',
  '',
].join('\n');

/** The internal listener (192.0.2.1) and every community host (10.0.0.x). */
const INTERNAL_HOSTS = /10\.0\.0\.|192\.0\.2\.1/;
const PEER_FLOW = { side: 'external', protocol: 'tls', remote: { address: '198.51.100.50', port: 5061 } } as const;

async function hiddenCall() {
  const edge = new ProxyHarness({ topologyKey: randomBytes(32) });
  const homeProxy = edge.client({ remote: { address: '10.0.0.7', port: 5060 } });
  await edge.receive(INVITE, homeProxy);
  const peer = edge.target('198.51.100.20:5061');
  return { edge, homeProxy, peer, invite: sentMessage(peer) };
}

/** A request from the peer inside the dialog the hidden INVITE created, as its UA would write it. */
function peerInDialog(invite: IncomingMessage, method: string, extra: string[] = []): string {
  const sealedContact = /<([^>]+)>/.exec(invite.headers.get('contact')!)![1]!;
  const routes = invite.headers.values('record-route').map((value) => `Route: ${value}`);
  return [
    `${method} ${sealedContact} SIP/2.0`,
    `Via: SIP/2.0/TLS 198.51.100.50:5061;branch=z9hG4bK-${method.toLowerCase()}1`,
    ...routes.reverse(),
    'Max-Forwards: 70',
    'From: <sip:bob@b.example.net>;tag=uas1',
    'To: <sip:alice@a.example.com>;tag=a1',
    `Call-ID: ${invite.headers.get('call-id')}`,
    `CSeq: 1 ${method}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

describe('I4 topology hiding', () => {
  it("I4 MUST NOT let internal Via, Record-Route (the edge's own internal-facing entry included), Contact hosts or the Call-ID cross the border", async () => {
    const { invite } = await hiddenCall();
    expect(invite.text, invite.text).not.toMatch(INTERNAL_HOSTS);
    expect(invite.text).not.toContain('hide-1');
    expect(invite.vias).toHaveLength(1);
    expect(invite.headers.values('record-route')).toEqual([
      expect.stringMatching(/^<sip:th-[\w-]+@203\.0\.113\.1:5061;transport=tls;lr>$/),
    ]);
    expect(invite.headers.get('call-id')).toMatch(/^th-[\w-]+$/);
    expect(invite.headers.get('contact')).toMatch(
      /^<sip:th-[\w-]+@203\.0\.113\.1:5061;transport=tls>;\+sip\.instance="<urn:uuid:1>"$/,
    );
  });

  it("I4 restores the Vias, the Call-ID, the edge's internal-facing entry and the hidden Record-Route entries on the response going back inside", async () => {
    const { edge, homeProxy, invite } = await hiddenCall();
    const peer = edge.target('198.51.100.20:5061');
    await edge.receive(responseTo(invite, 200, 'OK', ['Contact: <sip:bob@198.51.100.50:5061;transport=tls>']), peer);
    const relayed = sentMessage(homeProxy);
    expect(relayed.vias.map((v) => v.host)).toEqual(['10.0.0.7', '10.0.0.99']);
    expect(relayed.headers.get('call-id')).toBe('hide-1@10.0.0.99');
    const entries = relayed.headers.values('record-route');
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatch(/@203\.0\.113\.1:5061;transport=tls;lr>$/);
    // The internal-facing entry, with the flow token saying where the dialog came from (B3).
    expect(entries[1]).toMatch(/^<sip:[\w-]+\.[\w-]+@192\.0\.2\.1(:5060)?;lr>$/);
    expect(entries[2]).toBe('<sip:10.0.0.7;lr>');
  });

  it("I4 sends a request from the peer inside the dialog to the original contact, over the flow the dialog came from, with the community's Call-ID", async () => {
    const { edge, invite } = await hiddenCall();
    await edge.receive(peerInDialog(invite, 'BYE'), new RecordingFlow(PEER_FLOW));
    // B3: to the original contact, over the flow the dialog's INVITE came on (the home proxy), not a host the Contact names.
    const delivered = sentMessage(edge.target('10.0.0.7:5060'));
    expect(delivered.kind === 'request' && delivered.requestUriText).toBe('sip:alice@10.0.0.99:5070');
    expect(delivered.headers.get('call-id')).toBe('hide-1@10.0.0.99');
    expect(delivered.headers.has('route')).toBe(false);
  });

  it("I4 maps the Call-ID of the ACK and the CANCEL the same way as the INVITE's", async () => {
    const { edge, homeProxy, invite } = await hiddenCall();
    const peer = edge.target('198.51.100.20:5061');
    await edge.receive(responseTo(invite, 180, 'Ringing'), peer);
    await edge.receive(
      INVITE.replace(/^INVITE/, 'CANCEL')
        .replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL')
        .replace(/Record-Route.*\n/, ''),
      homeProxy,
    );
    const cancel = sentMessage(peer);
    expect(cancel.kind === 'request' && cancel.method).toBe('CANCEL');
    expect(cancel.headers.get('call-id')).toBe(invite.headers.get('call-id'));

    const ack = [
      'ACK sip:bob@198.51.100.50:5061;transport=tls SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.99:5070;branch=z9hG4bK-ack1;rport',
      'Max-Forwards: 70',
      'From: <sip:alice@a.example.com>;tag=a1',
      'To: <sip:bob@b.example.net>;tag=uas1',
      'Call-ID: hide-1@10.0.0.99',
      'CSeq: 1 ACK',
      'Content-Length: 0',
      '',
      '',
    ].join('\n');
    await edge.receive(ack, edge.client());
    const relayed = sentMessage(edge.target('198.51.100.50:5061'));
    expect(relayed.kind === 'request' && relayed.method).toBe('ACK');
    expect(relayed.headers.get('call-id')).toBe(invite.headers.get('call-id'));
    expect(relayed.text).not.toMatch(INTERNAL_HOSTS);
  });

  it("I4 keeps a peer's own Call-ID for the peer: a dialog the peer started maps both ways, and only the edge's external-facing entry reaches it", async () => {
    const edge = new ProxyHarness({ topologyKey: randomBytes(32) });
    const peer = new RecordingFlow(PEER_FLOW);
    // Arrived at the external listener, as a peer's connection does.
    (peer as { local: Endpoint }).local = { address: '203.0.113.1', port: 5061 };
    await edge.receive(
      [
        'INVITE sip:alice@a.example.com SIP/2.0',
        'Via: SIP/2.0/TLS 198.51.100.50:5061;branch=z9hG4bK-peer1',
        'Max-Forwards: 70',
        'From: <sip:bob@b.example.net>;tag=b1',
        'To: <sip:alice@a.example.com>',
        'Call-ID: peer-call-1@b.example.net',
        'CSeq: 1 INVITE',
        'Contact: <sip:bob@198.51.100.50:5061;transport=tls>',
        'Content-Length: 0',
        '',
        '',
      ].join('\n'),
      peer,
    );
    const registrar = edge.target('10.0.0.5:5060');
    const inside = sentMessage(registrar);
    expect(inside.headers.get('call-id')).toMatch(/^th-[\w-]+$/);
    // The community's 200, with a proxy of its own on the path.
    const ok = responseTo(inside, 200, 'OK', ['Contact: <sip:alice@10.0.0.99:5070>']).replace(
      /^(SIP\/2\.0 200 OK\n)/,
      '$1Record-Route: <sip:10.0.0.7;lr>\n',
    );
    await edge.receive(ok, registrar);
    const answered = sentMessage(peer);
    expect(answered.kind === 'response' && answered.status).toBe(200);
    expect(answered.headers.get('call-id')).toBe('peer-call-1@b.example.net');
    expect(answered.text, answered.text).not.toMatch(INTERNAL_HOSTS);
    expect(answered.headers.values('record-route')).toEqual(['<sip:203.0.113.1:5061;transport=tls;lr>']);

    // The community's BYE later in the dialog carries the Call-ID it knows; the peer gets its own back.
    const routes = inside.headers.values('record-route');
    await edge.receive(
      [
        'BYE sip:bob@198.51.100.50:5061;transport=tls SIP/2.0',
        'Via: SIP/2.0/UDP 10.0.0.99:5070;branch=z9hG4bK-bye2;rport',
        ...routes.map((value) => `Route: ${value}`),
        'Max-Forwards: 70',
        'From: <sip:alice@a.example.com>;tag=uas1',
        'To: <sip:bob@b.example.net>;tag=b1',
        `Call-ID: ${inside.headers.get('call-id')}`,
        'CSeq: 1 BYE',
        'Content-Length: 0',
        '',
        '',
      ].join('\n'),
      edge.client(),
    );
    const bye = sentMessage(edge.target('198.51.100.50:5061'));
    expect(bye.kind === 'request' && bye.method).toBe('BYE');
    expect(bye.headers.get('call-id')).toBe('peer-call-1@b.example.net');
    expect(bye.text).not.toMatch(INTERNAL_HOSTS);
  });

  it('leaves everything as it was when topology hiding is off', async () => {
    const edge = new ProxyHarness();
    await edge.receive(INVITE, edge.client({ remote: { address: '10.0.0.7', port: 5060 } }));
    const sent = sentMessage(edge.target('198.51.100.20:5061'));
    expect(sent.text).toMatch(INTERNAL_HOSTS);
    expect(sent.headers.get('call-id')).toBe('hide-1@10.0.0.99');
  });
});

describe('I4 Call-ID mapping (call-id-mapping.ts)', () => {
  const mapping = new CallIdMapping(randomBytes(32));

  it('I4 maps a Call-ID to the same opaque value every time, and back', () => {
    const sealed = mapping.cross('a84b4c76e66710@pc33.atlanta.example.com');
    expect(sealed).toMatch(/^th-[\w-]+$/);
    expect(sealed).not.toMatch(/atlanta|pc33|a84b/);
    expect(mapping.cross('a84b4c76e66710@pc33.atlanta.example.com')).toBe(sealed);
    expect(mapping.cross(sealed)).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(mapping.original(sealed)).toBe('a84b4c76e66710@pc33.atlanta.example.com');
  });

  it('I4 takes a value that only looks sealed, or was sealed with another key, for a plain Call-ID', () => {
    const forged = 'th-' + Buffer.alloc(40, 7).toString('base64url');
    expect(mapping.open(forged)).toBeUndefined();
    expect(mapping.open(new CallIdMapping(randomBytes(32)).seal('x@y'))).toBeUndefined();
    expect(mapping.original(forged)).toBe(forged);
  });
});

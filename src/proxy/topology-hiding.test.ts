import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProxyHarness, responseTo, sentMessage } from '../../test/support/proxy-harness.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';

const INVITE = [
  'INVITE sip:bob@b.example.net SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK-home1',
  'Via: SIP/2.0/UDP 10.0.0.99:5070;branch=z9hG4bK-ua1;rport',
  'Record-Route: <sip:10.0.0.7;lr>',
  'Max-Forwards: 70',
  'From: <sip:alice@a.example.com>;tag=a1',
  'To: <sip:bob@b.example.net>',
  'Call-ID: hide-1',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@10.0.0.99:5070>;+sip.instance="<urn:uuid:1>"',
  'Content-Length: 0',
  '',
  '',
].join('\n');

const INTERNAL_HOSTS = /10\.0\.0\./;

async function hiddenCall() {
  const edge = new ProxyHarness({ topologyKey: randomBytes(32) });
  const homeProxy = edge.client({ remote: { address: '10.0.0.7', port: 5060 } });
  await edge.receive(INVITE, homeProxy);
  const peer = edge.target('198.51.100.20:5061');
  return { edge, homeProxy, peer };
}

describe('I4 topology hiding', () => {
  // The Call-ID is not rewritten (that takes a B2BUA's dialog state): RFC 3261 §8.1.1.4 asks UAs for random ones.
  it('MUST NOT let internal Via, Record-Route or Contact hosts cross the border', async () => {
    const { peer } = await hiddenCall();
    const sent = sentMessage(peer);
    expect(sent.text, sent.text).not.toMatch(INTERNAL_HOSTS);
    expect(sent.vias).toHaveLength(1);
    expect(sent.headers.values('record-route').every((value) => /192\.0\.2\.1|203\.0\.113\.1/.test(value))).toBe(true);
    expect(sent.headers.get('contact')).toMatch(
      /^<sip:th-[\w-]+@203\.0\.113\.1:5061;transport=tls>;\+sip\.instance="<urn:uuid:1>"$/,
    );
  });

  it('restores the Vias and the hidden Record-Route entries on the response going back inside', async () => {
    const { edge, homeProxy, peer } = await hiddenCall();
    await edge.receive(
      responseTo(sentMessage(peer), 200, 'OK', ['Contact: <sip:bob@198.51.100.50:5061;transport=tls>']),
      peer,
    );
    const relayed = sentMessage(homeProxy);
    expect(relayed.vias.map((v) => v.host)).toEqual(['10.0.0.7', '10.0.0.99']);
    expect(relayed.headers.values('record-route').at(-1)).toBe('<sip:10.0.0.7;lr>');
  });

  it('sends a request from the peer to the sealed Contact to the original contact inside, back where the dialog came from', async () => {
    const { edge, peer } = await hiddenCall();
    const invite = sentMessage(peer);
    const sealed = /<([^>]+)>/.exec(invite.headers.get('contact')!)![1]!;
    const routes = invite.headers.values('record-route').map((value) => `Route: ${value}`);
    const bye = [
      `BYE ${sealed} SIP/2.0`,
      'Via: SIP/2.0/TLS 198.51.100.50:5061;branch=z9hG4bK-bye1',
      ...routes.reverse(),
      'Max-Forwards: 70',
      'From: <sip:bob@b.example.net>;tag=uas1',
      'To: <sip:alice@a.example.com>;tag=a1',
      'Call-ID: hide-1',
      'CSeq: 1 BYE',
      'Content-Length: 0',
      '',
      '',
    ].join('\n');
    await edge.receive(
      bye,
      new RecordingFlow({ side: 'external', protocol: 'tls', remote: { address: '198.51.100.50', port: 5061 } }),
    );
    // B3: to the original contact, over the flow the dialog's INVITE came on (the home proxy), not a host the Contact names.
    const delivered = sentMessage(edge.target('10.0.0.7:5060'));
    expect(delivered.kind === 'request' && delivered.requestUriText).toBe('sip:alice@10.0.0.99:5070');
  });

  it('leaves everything as it was when topology hiding is off', async () => {
    const edge = new ProxyHarness();
    await edge.receive(INVITE, edge.client({ remote: { address: '10.0.0.7', port: 5060 } }));
    expect(sentMessage(edge.target('198.51.100.20:5061')).text).toMatch(INTERNAL_HOSTS);
  });
});

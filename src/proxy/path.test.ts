// SPEC I6 with an external registrar: the edge adds its Path entry to a community client's REGISTER
// (RFC 3327 §5.2), and the registrar's requests that come back with a Route naming it go to the client
// over the flow it registered on (RFC 5626 §5.3), or are answered 430 Flow Failed.
import { describe, expect, it } from 'vitest';
import { ProxyHarness, responseTo, sentMessage } from '../../test/support/proxy-harness.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import type { PathMode } from '../config/internal-schema.js';
import { parseNameAddr } from '../sip/name-addr.js';
import { isSipUri } from '../sip/uri.js';
import { readFlowToken } from './flow-token.js';

const INSTANCE = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
const REGISTRAR = '10.0.0.5:5060';

function register(extra: string[], vias = 1): string {
  return [
    'REGISTER sip:a.example.com SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.1:9;branch=z9hG4bK-reg1;rport',
    ...(vias > 1 ? ['Via: SIP/2.0/TCP 198.51.100.3:5060;branch=z9hG4bK-below'] : []),
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=r1',
    'To: <sip:alice@a.example.com>',
    'Call-ID: register-path-1',
    'CSeq: 1 REGISTER',
    `Contact: <sip:alice@192.0.2.1:9;transport=tcp;ob>;reg-id=1;+sip.instance=${INSTANCE}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

/** A request the registrar sends for the registered user: to its Contact, along the Path as Route. */
function fromRegistrar(route: string, branch = 'z9hG4bK-home1'): string {
  return [
    'MESSAGE sip:alice@192.0.2.1:9;transport=tcp;ob SIP/2.0',
    `Via: SIP/2.0/UDP 10.0.0.5:5060;branch=${branch}`,
    'Max-Forwards: 69',
    `Route: ${route}`,
    'From: <sip:bob@b.example.net>;tag=b1',
    'To: <sip:alice@a.example.com>',
    `Call-ID: message-path-${branch}`,
    'CSeq: 1 MESSAGE',
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

async function registered(
  extra: string[],
  options: { pathMode?: PathMode; vias?: number } = {},
): Promise<{ edge: ProxyHarness; client: RecordingFlow; path: string[] }> {
  const edge = new ProxyHarness({ pathMode: options.pathMode ?? 'when-supported' });
  const client = edge.client({ protocol: 'tcp', remote: { address: '203.0.113.9', port: 40_001 } });
  await edge.receive(register(extra, options.vias), client);
  const relayed = sentMessage(edge.target(REGISTRAR));
  return { edge, client, path: relayed.headers.values('path') };
}

function statuses(flow: RecordingFlow): number[] {
  return flow.sentStartLines.map((line) => Number(line.split(' ')[1]));
}

describe('I6 RFC 3327 Path towards an external registrar', () => {
  it('I6 adds its Path entry, with a flow token naming the client flow and ;ob, to a REGISTER from a client that supports path and outbound', async () => {
    const { client, path } = await registered(['Supported: path, outbound']);
    expect(path).toHaveLength(1);
    const entry = parseNameAddr(path[0]!, 'Path').uri;
    if (!isSipUri(entry)) throw new Error('Path is no SIP URI');
    // The internal listener of the transport the registrar is reached with (UDP here), loose routing, ob.
    expect([entry.host, entry.port, entry.params.has('lr'), entry.params.has('ob')]).toEqual([
      '192.0.2.1',
      5060,
      true,
      true,
    ]);
    expect(readFlowToken(entry.user!)).toEqual({
      protocol: 'tcp',
      address: '203.0.113.9',
      port: 40_001,
      flowId: client.id,
    });
  });

  it('I6 keeps Path entries of proxies below it, its own on top, and leaves ;ob off when it is not the first hop (RFC 5626 §5.1)', async () => {
    const { path } = await registered(['Supported: path, outbound', 'Path: <sip:proxy.a.example.com;lr>'], {
      vias: 2,
    });
    expect(path).toHaveLength(2);
    expect(path[1]).toBe('<sip:proxy.a.example.com;lr>');
    expect(path[0]).not.toContain(';ob');
  });

  it('I6 adds no Path for a client that did not send Supported: path (RFC 3327 §5.2), nor when Path is off', async () => {
    expect((await registered([])).path).toEqual([]);
    expect((await registered(['Supported: path'], { pathMode: 'off' })).path).toEqual([]);
  });

  it('I6 with path required asks the registrar for Path support and answers 421 to a client without it', async () => {
    const { edge } = await registered(['Supported: path'], { pathMode: 'required' });
    const relayed = sentMessage(edge.target(REGISTRAR));
    expect(relayed.headers.values('require')).toEqual(['path']);
    const refusing = new ProxyHarness({ pathMode: 'required' });
    const client = refusing.client({ protocol: 'tcp' });
    await refusing.receive(register([]), client);
    expect(statuses(client)).toEqual([421]);
    expect(sentMessage(client).headers.get('require')).toBe('path');
  });

  it("I6 sends the registrar's request along the Path over the client's flow, never to the Contact's host (RFC 5626 §5.3, B3)", async () => {
    const { edge, client, path } = await registered(['Supported: path, outbound']);
    const home = new RecordingFlow({ side: 'internal', remote: { address: '10.0.0.5', port: 5060 } });
    await edge.receive(fromRegistrar(path[0]!), home);
    const delivered = sentMessage(client);
    expect(delivered.kind === 'request' && delivered.requestUriText).toBe('sip:alice@192.0.2.1:9;transport=tcp;ob');
    expect(delivered.headers.values('route')).toEqual([]); // the edge's own entry is spent
    expect(edge.connected.at(-1)).toMatchObject({ address: '203.0.113.9', port: 40_001, flow: client.id });
    expect(edge.targets.has('192.0.2.1:9')).toBe(false);
    await edge.receive(responseTo(delivered, 200, 'OK'), client);
    expect(statuses(home)).toEqual([200]);
  });

  it('I6 answers 430 Flow Failed when the flow the Path names has closed, and for an ob entry whose token it did not write', async () => {
    const { edge, client, path } = await registered(['Supported: path, outbound']);
    client.close('remote-closed');
    const home = new RecordingFlow({ side: 'internal', remote: { address: '10.0.0.5', port: 5060 } });
    await edge.receive(fromRegistrar(path[0]!), home);
    expect(statuses(home)).toEqual([430]);
    expect(home.sentStartLines[0]).toBe('SIP/2.0 430 Flow Failed');
    await edge.receive(fromRegistrar('<sip:bm90LWEtdG9rZW4.AAAAAAAAAAAA@192.0.2.1:5060;lr;ob>', 'z9hG4bK-home2'), home);
    expect(statuses(home)).toEqual([430, 430]);
    const answers = await edge.metrics.edgeAnswers.get();
    expect(answers.values.filter((v) => v.labels.status === '430').map((v) => v.labels.because)).toEqual([
      'I6 flow failed',
      'I6 flow token of no live flow',
    ]);
  });
});

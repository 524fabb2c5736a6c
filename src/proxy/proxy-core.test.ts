import { describe, expect, it } from 'vitest';
import { parse as sentMessageOf, ProxyHarness, responseTo, sentMessage } from '../../test/support/proxy-harness.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import type { Endpoint } from '../transport/flow.js';

class ListenerFlow extends RecordingFlow {
  override readonly local: Endpoint;
  constructor(local: Endpoint, options: ConstructorParameters<typeof RecordingFlow>[0]) {
    super(options);
    this.local = local;
  }
}

function request(
  method: string,
  uri: string,
  extra: string[] = [],
  options: { toTag?: string; maxForwards?: number; to?: string } = {},
): string {
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP client.a.example.com:5070;branch=z9hG4bK-${method}-${uri.length}-${extra.length};rport`,
    `Max-Forwards: ${options.maxForwards ?? 70}`,
    'From: <sip:alice@a.example.com>;tag=a1',
    `To: <${options.to ?? uri}>${options.toTag ? `;tag=${options.toTag}` : ''}`,
    `Call-ID: call-${method}-${uri}@a.example.com`,
    `CSeq: 1 ${method}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

function statusOf(flow: RecordingFlow): number[] {
  return flow.sentStartLines.map((line) => Number(line.split(' ')[1]));
}

describe('S3 stateful proxy core (RFC 3261 §16)', () => {
  it("MUST forward a request with its own Via on top, Max-Forwards lowered and the sender's Via marked received (§16.6, RFC 3581)", async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), client);
    const forwarded = sentMessage(edge.target('198.51.100.20:5061'));
    expect(forwarded.kind === 'request' && forwarded.requestUriText).toBe('sip:bob@b.example.net');
    expect(forwarded.topVia).toMatchObject({ transport: 'TLS', host: '203.0.113.1', port: 5061 });
    expect(forwarded.topVia.branch).toMatch(/^z9hG4bK/);
    expect(forwarded.vias[1]).toMatchObject({ host: 'client.a.example.com', received: '10.0.0.99', rport: 5070 });
    expect(forwarded.maxForwards).toBe(69);
    expect(forwarded.headers.has('record-route')).toBe(false);
  });

  it('MUST relay the final response upstream without its own Via (§16.7 step 3)', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), client);
    const target = edge.target('198.51.100.20:5061');
    await edge.receive(responseTo(sentMessage(target), 200, 'OK'), target);
    const relayed = sentMessage(client);
    expect(relayed.kind === 'response' && relayed.status).toBe(200);
    expect(relayed.vias).toHaveLength(1);
    expect(relayed.topVia.host).toBe('client.a.example.com');
  });

  it('Y4 MUST relay two requests that share a branch but not a sent-by as two transactions, without failing', async () => {
    const edge = new ProxyHarness();
    const text = request('MESSAGE', 'sip:bob@b.example.net');
    await edge.receive(text, edge.client({ remote: { address: '10.0.0.98', port: 5070 } }));
    await edge.receive(
      text.replace('client.a.example.com:5070', 'client.a.example.com:5071'),
      edge.client({ remote: { address: '10.0.0.98', port: 5071 } }),
    );
    const sent = edge.target('198.51.100.20:5061').sent.map((b) => sentMessageOf(b).topVia.branch);
    expect(sent).toHaveLength(2);
    expect(new Set(sent).size).toBe(2);
  });

  it('S3 MUST answer 483 to a request whose Max-Forwards is 0 (§16.3 step 3)', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('OPTIONS', 'sip:bob@b.example.net', [], { maxForwards: 0 }), client);
    expect(statusOf(client)).toEqual([483]);
    expect(edge.targets.size).toBe(0);
  });

  it('MUST answer 420 listing unsupported Proxy-Require option tags (§16.3 step 5)', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('OPTIONS', 'sip:bob@b.example.net', ['Proxy-Require: nobodyknowsthis']), client);
    expect(statusOf(client)).toEqual([420]);
    expect(sentMessage(client).headers.get('unsupported')).toBe('nobodyknowsthis');
  });

  it('MUST answer 416 to a Request-URI scheme it cannot route (§16.3 step 2)', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('OPTIONS', 'nobodyKnowsThisScheme:totallyopaquecontent'), client);
    expect(statusOf(client)).toEqual([416]);
  });

  it('Y4 MUST answer 400 with a Warning naming a malformed header, and relay nothing', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net', ['Expires: soon']), client);
    expect(statusOf(client)).toEqual([400]);
    expect(sentMessage(client).headers.get('warning')).toMatch(/^399 simple-edge "Expires: expected delta-seconds/);
    expect(edge.targets.size).toBe(0);
    expect(await edge.metrics.registry.getSingleMetricAsString('simple_edge_answers_total')).toContain(
      'because="Y4 HEADER_VALUE_MALFORMED"',
    );
  });

  it('S3 MUST answer 482 when a request it forwarded comes back unchanged (§16.3 step 4)', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), client);
    const target = edge.target('198.51.100.20:5061');
    const looped = new RecordingFlow({ side: 'external', protocol: 'tls' });
    await edge.receive(target.sent[0]!, looped);
    expect(statusOf(looped)).toEqual([482]);
  });

  it('S1 MUST relay unknown headers and unknown parameters unchanged', async () => {
    const edge = new ProxyHarness();
    const unknown = ['X-Unknown-Header: ;;,,;;,; value', 'NewFangledHeader: newfangled value;newparam=1'];
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net;unknownparam=x', unknown), edge.client());
    const forwarded = edge.target('198.51.100.20:5061').sentText[0]!;
    expect(forwarded).toContain('\r\nX-Unknown-Header: ;;,,;;,; value\r\n');
    expect(forwarded).toContain('\r\nNewFangledHeader: newfangled value;newparam=1\r\n');
    expect(forwarded.startsWith('MESSAGE sip:bob@b.example.net;unknownparam=x SIP/2.0\r\n')).toBe(true);
  });

  it('I1 MUST route an inbound MESSAGE for its own domain to the internal registrar (M1)', async () => {
    const edge = new ProxyHarness();
    const peer = new RecordingFlow({ side: 'external', protocol: 'tls' });
    await edge.receive(request('MESSAGE', 'sip:alice@a.example.com'), peer);
    expect(sentMessage(edge.target('10.0.0.5:5060')).topVia).toMatchObject({
      transport: 'UDP',
      host: '192.0.2.1',
      port: 5060,
    });
  });
});

describe('F7 outbound origin', () => {
  it('F7 MUST answer 403 to a request leaving for a peer with a From domain this edge does not serve, and send nothing', async () => {
    const edge = new ProxyHarness({ servedDomains: new Set(['a.example.com']) });
    const client = edge.client();
    await edge.receive(
      request('MESSAGE', 'sip:bob@b.example.net').replace(
        'From: <sip:alice@a.example.com>',
        'From: <sip:mallory@c.example.org>',
      ),
      client,
    );
    expect(statusOf(client)).toEqual([403]);
    expect(sentMessage(client).kind === 'response' && sentMessage(client).text).toContain(
      'From Domain c.example.org Not Served Here',
    );
    expect(edge.targets.size).toBe(0);
    await edge.receive(request('MESSAGE', 'sip:carol@b.example.net'), client);
    expect(edge.target('198.51.100.20:5061').sentStartLines).toEqual(['MESSAGE sip:carol@b.example.net SIP/2.0']);
  });
});

describe('Y4 overload', () => {
  it('Y4 MUST answer 503 with Retry-After at once beyond maxPendingRequests, and take requests again once answered', async () => {
    const edge = new ProxyHarness({ maxPendingRequests: 1 });
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:alice@a.example.com'), client);
    const registrar = edge.target('10.0.0.5:5060');
    await edge.receive(request('MESSAGE', 'sip:bob@a.example.com'), client);
    expect(statusOf(client)).toEqual([503]);
    expect(sentMessage(client).headers.get('retry-after')).toBe('2');
    expect(registrar.sentStartLines).toHaveLength(1);
    await edge.receive(responseTo(sentMessage(registrar), 200, 'OK'), registrar);
    expect(statusOf(client)).toEqual([503, 200]);
    await edge.receive(request('MESSAGE', 'sip:dave@a.example.com'), client);
    expect(registrar.sentStartLines).toEqual([
      'MESSAGE sip:alice@a.example.com SIP/2.0',
      'MESSAGE sip:dave@a.example.com SIP/2.0',
    ]);
    expect(await edge.metrics.registry.getSingleMetricAsString('simple_edge_answers_total')).toContain(
      'because="Y4 overload"',
    );
  });
});

describe('D2 failover down the target list (RFC 3263 §4.3)', () => {
  it('MUST try the next target when the first cannot be reached', async () => {
    const edge = new ProxyHarness();
    edge.unreachable.add('198.51.100.20:5061');
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), edge.client());
    expect(edge.target('198.51.100.21:5061').sent).toHaveLength(1);
  });

  it('MUST try the next target after a 503 and relay the final response of the second', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), client);
    const first = edge.target('198.51.100.20:5061');
    await edge.receive(responseTo(sentMessage(first), 503, 'Service Unavailable'), first);
    const second = edge.target('198.51.100.21:5061');
    await edge.receive(responseTo(sentMessage(second), 404, 'Not Found'), second);
    expect(statusOf(client)).toEqual([404]);
    // F4: had the first gone over a connection shared with the peer, the second must not reuse it.
    expect(edge.avoided).toEqual([[], [first.id]]);
  });

  it('MUST answer 500, not 503, when every target answered 503 (§16.7 step 6)', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), client);
    for (const key of ['198.51.100.20:5061', '198.51.100.21:5061']) {
      const target = edge.target(key);
      await edge.receive(responseTo(sentMessage(target), 503, 'Service Unavailable'), target);
    }
    expect(statusOf(client)).toEqual([500]);
  });

  it('MUST answer 408 when every target timed out (timer F)', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), client);
    await edge.advance(32_000);
    expect(edge.target('198.51.100.21:5061').sent).toHaveLength(1);
    await edge.advance(32_000);
    expect(statusOf(client)).toEqual([408]);
  });

  it('MUST tell the router which targets failed, with the Retry-After of a 503, so it backs off from them', async () => {
    const edge = new ProxyHarness();
    edge.unreachable.add('198.51.100.20:5061');
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), edge.client());
    const second = edge.target('198.51.100.21:5061');
    await edge.receive(responseTo(sentMessage(second), 503, 'Service Unavailable', ['Retry-After: 120']), second);
    expect(edge.failures).toEqual(['198.51.100.20:5061', '198.51.100.21:5061 retry-after 120000']);
  });

  it('MUST answer 503 when no target could be reached', async () => {
    const edge = new ProxyHarness();
    edge.unreachable.add('198.51.100.20:5061');
    edge.unreachable.add('198.51.100.21:5061');
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), client);
    expect(statusOf(client)).toEqual([503]);
  });
});

describe('Record-Route and Route processing (RFC 3261 §16.4, §16.6; RFC 5658)', () => {
  it('MUST record-route twice when a dialog-creating request crosses from one listener to another', async () => {
    const edge = new ProxyHarness();
    const peer = new ListenerFlow({ address: '203.0.113.1', port: 5061 }, { side: 'external', protocol: 'tls' });
    await edge.receive(request('SUBSCRIBE', 'sip:alice@a.example.com', ['Event: presence', 'Expires: 600']), peer);
    const forwarded = sentMessage(edge.target('10.0.0.6:5060'));
    expect(forwarded.headers.values('record-route')).toEqual([
      '<sip:192.0.2.1:5060;transport=tcp;lr>',
      '<sip:203.0.113.1:5061;transport=tls;lr>',
    ]);
  });

  it('MUST remove its own Route entries and send an in-dialog request to the peer its To names, over TLS', async () => {
    const edge = new ProxyHarness();
    const presence = new RecordingFlow({
      side: 'internal',
      protocol: 'tcp',
      remote: { address: '10.0.0.6', port: 5060 },
    });
    const routes = [
      'Route: <sip:192.0.2.1:5060;transport=tcp;lr>, <sip:203.0.113.1:5061;transport=tls;lr>',
      'Event: presence',
      'Subscription-State: active;expires=600',
    ];
    await edge.receive(
      request('NOTIFY', 'sip:watcher@198.51.100.30:5061;transport=tls', routes, {
        toTag: 'w1',
        to: 'sip:watcher@b.example.net',
      }),
      presence,
    );
    const forwarded = sentMessage(edge.target('198.51.100.30:5061'));
    expect(forwarded.headers.has('route')).toBe(false);
    expect(forwarded.topVia).toMatchObject({ transport: 'TLS', host: '203.0.113.1' });
    expect(edge.connected.at(-1)).toMatchObject({ side: 'external', protocol: 'tls', servername: 'b.example.net' });
  });

  it("B3 MUST send a peer's in-dialog request back where the community client's SUBSCRIBE came from, not to its Contact", async () => {
    const edge = new ProxyHarness();
    const watcher = edge.client({ protocol: 'tcp', remote: { address: '10.0.0.99', port: 40_123 } });
    const subscribe = request('SUBSCRIBE', 'sip:carol@b.example.net', [
      'Event: presence',
      'Contact: <sip:alice@192.0.2.250:5070;transport=tcp>',
    ]);
    await edge.receive(subscribe, watcher);
    const forwarded = sentMessage(edge.target('198.51.100.20:5061'));
    const recordRoute = forwarded.headers.values('record-route');
    expect(recordRoute).toHaveLength(2);
    // The NOTIFY comes back with the route set the edge recorded and the Contact as Request-URI.
    const notify = [
      'NOTIFY sip:alice@192.0.2.250:5070;transport=tcp SIP/2.0',
      'Via: SIP/2.0/TLS 198.51.100.20:5061;branch=z9hG4bK-n1',
      `Route: ${recordRoute.join(', ')}`,
      'Max-Forwards: 70',
      'From: <sip:carol@b.example.net>;tag=c1',
      'To: <sip:alice@a.example.com>;tag=a1',
      'Call-ID: call-SUBSCRIBE-sip:carol@b.example.net@a.example.com',
      'CSeq: 1 NOTIFY',
      'Event: presence',
      'Subscription-State: active',
      'Content-Length: 0',
      '',
      '',
    ].join('\n');
    await edge.receive(
      notify,
      new RecordingFlow({ side: 'external', protocol: 'tls', remote: { address: '198.51.100.20', port: 5061 } }),
    );
    expect(edge.connected.at(-1)).toMatchObject({
      side: 'internal',
      protocol: 'tcp',
      address: '10.0.0.99',
      port: 40_123,
    });
    const delivered = sentMessage(edge.target('10.0.0.99:40123'));
    expect(delivered.kind === 'request' && delivered.requestUriText).toBe('sip:alice@192.0.2.250:5070;transport=tcp');
    expect([...edge.targets.keys()]).not.toContain('192.0.2.250:5070');
  });

  it("B3 MUST send to the Contact when it names the host the dialog came from (then the client's flow), and never to another host", async () => {
    for (const [contactHost, expected] of [
      ['10.0.0.99', ['10.0.0.99:5070', '10.0.0.99:40124']],
      ['192.0.2.250', ['10.0.0.99:40124']],
    ] as const) {
      const edge = new ProxyHarness();
      const watcher = edge.client({ protocol: 'tcp', remote: { address: '10.0.0.99', port: 40_124 } });
      await edge.receive(
        request('SUBSCRIBE', 'sip:carol@b.example.net', [
          'Event: presence',
          `Contact: <sip:alice@${contactHost}:5070;transport=tcp>`,
        ]),
        watcher,
      );
      const recordRoute = sentMessage(edge.target('198.51.100.20:5061')).headers.values('record-route');
      edge.unreachable.add('10.0.0.99:5070').add('10.0.0.99:40124'); // nothing listens at the Contact; the connection is gone
      const notify = [
        `NOTIFY sip:alice@${contactHost}:5070;transport=tcp SIP/2.0`,
        'Via: SIP/2.0/TLS 198.51.100.20:5061;branch=z9hG4bK-n3',
        `Route: ${recordRoute.join(', ')}`,
        'Max-Forwards: 70',
        'From: <sip:carol@b.example.net>;tag=c1',
        'To: <sip:alice@a.example.com>;tag=a1',
        'Call-ID: call-SUBSCRIBE-sip:carol@b.example.net@a.example.com',
        'CSeq: 2 NOTIFY',
        'Event: presence',
        'Subscription-State: active',
        'Content-Length: 0',
        '',
        '',
      ].join('\n');
      await edge.receive(
        notify,
        new RecordingFlow({ side: 'external', protocol: 'tls', remote: { address: '198.51.100.20', port: 5061 } }),
      );
      expect(
        edge.connected.slice(1).map((t) => `${t.address}:${t.port}`),
        contactHost,
      ).toEqual(expected);
    }
  });

  it('B3 MUST NOT follow a flow token it did not write', async () => {
    const edge = new ProxyHarness();
    const forged = 'dGNwIDE5Mi4wLjIuNjYgNTA2MA.AAAAAAAAAAAA'; // "tcp 192.0.2.66 5060" with a made-up MAC
    const notify = [
      'NOTIFY sip:alice@10.0.0.99:5070 SIP/2.0',
      'Via: SIP/2.0/TLS 198.51.100.20:5061;branch=z9hG4bK-n2',
      `Route: <sip:203.0.113.1:5061;transport=tls;lr>, <sip:${forged}@192.0.2.1:5060;transport=tcp;lr>`,
      'Max-Forwards: 70',
      'From: <sip:carol@b.example.net>;tag=c1',
      'To: <sip:alice@a.example.com>;tag=a1',
      'Call-ID: forged-token',
      'CSeq: 1 NOTIFY',
      'Content-Length: 0',
      '',
      '',
    ].join('\n');
    await edge.receive(
      notify,
      new RecordingFlow({ side: 'external', protocol: 'tls', remote: { address: '198.51.100.20', port: 5061 } }),
    );
    expect([...edge.targets.keys()]).not.toContain('192.0.2.66:5060');
  });

  it('MUST restore the Request-URI from the last Route when the previous hop was a strict router (§16.4)', async () => {
    const edge = new ProxyHarness();
    const peer = new RecordingFlow({ side: 'external', protocol: 'tls' });
    await edge.receive(
      request('MESSAGE', 'sip:192.0.2.1:5060', ['Route: <sip:bob@10.0.0.5:5060>'], { toTag: 'x' }),
      peer,
    );
    const forwarded = sentMessage(edge.target('10.0.0.5:5060'));
    expect(forwarded.kind === 'request' && forwarded.requestUriText).toBe('sip:bob@10.0.0.5:5060');
    expect(forwarded.headers.has('route')).toBe(false);
  });
});

describe('M2 INVITE, CANCEL and ACK (RFC 3261 §16.7, §16.10)', () => {
  const invite = request('INVITE', 'sip:bob@b.example.net', [
    'Contact: <sip:alice@10.0.0.99:5070>',
    'Content-Type: application/sdp',
  ]);

  it('MUST send 100 Trying at once and relay provisional responses', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(invite, client);
    expect(statusOf(client)).toEqual([100]);
    const target = edge.target('198.51.100.20:5061');
    await edge.receive(responseTo(sentMessage(target), 180, 'Ringing'), target);
    expect(statusOf(client)).toEqual([100, 180]);
  });

  it('MUST relay every retransmission of a 2xx upstream (RFC 6026 §7.2)', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(invite, client);
    const target = edge.target('198.51.100.20:5061');
    const ok = responseTo(sentMessage(target), 200, 'OK', ['Contact: <sip:bob@198.51.100.40:5061;transport=tls>']);
    await edge.receive(ok, target);
    await edge.receive(ok, target);
    expect(statusOf(client)).toEqual([100, 200, 200]);
  });

  it('MUST answer a CANCEL with 200, cancel the pending branch, and relay the 487', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(invite, client);
    const target = edge.target('198.51.100.20:5061');
    const forwarded = sentMessage(target);
    await edge.receive(responseTo(forwarded, 180, 'Ringing'), target);
    const cancel = invite.replace(/^INVITE/, 'CANCEL').replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL');
    await edge.receive(cancel, client);
    expect(statusOf(client)).toEqual([100, 180, 200]);
    const downstreamCancel = sentMessage(target);
    expect(downstreamCancel.kind === 'request' && downstreamCancel.method).toBe('CANCEL');
    expect(downstreamCancel.topVia.branch).toBe(forwarded.topVia.branch);
    await edge.receive(responseTo(forwarded, 487, 'Request Terminated'), target);
    expect(statusOf(client)).toEqual([100, 180, 200, 487]);
  });

  it('MUST answer 481 to a CANCEL that matches no INVITE', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    await edge.receive(request('CANCEL', 'sip:bob@b.example.net'), client);
    expect(statusOf(client)).toEqual([481]);
  });

  it('MUST relay the ACK for a 2xx statelessly along the Route set', async () => {
    const edge = new ProxyHarness();
    const client = edge.client();
    const ack = request('ACK', 'sip:bob@198.51.100.40:5061;transport=tls', ['Route: <sip:192.0.2.1:5060;lr>'], {
      toTag: 'b1',
      to: 'sip:bob@b.example.net',
    });
    await edge.receive(ack, client);
    const forwarded = sentMessage(edge.target('198.51.100.40:5061'));
    expect(forwarded.kind === 'request' && forwarded.method).toBe('ACK');
    expect(forwarded.headers.has('route')).toBe(false);
  });

  it('MUST relay a retransmitted 2xx that matches no transaction to the address noted in the next Via (§16.7, §18.2.2)', async () => {
    // The INVITE is forwarded by one edge; the 2xx arrives at a fresh one, where no transaction matches.
    const first = new ProxyHarness();
    await first.receive(invite, first.client());
    const ok = responseTo(sentMessage(first.target('198.51.100.20:5061')), 200, 'OK', [
      'Contact: <sip:bob@198.51.100.40:5061;transport=tls>',
    ]);
    const edge = new ProxyHarness();
    await edge.receive(ok, new RecordingFlow({ side: 'external', protocol: 'tls' }));
    const relayed = sentMessage(edge.target('10.0.0.99:5070'));
    expect(relayed.kind === 'response' && relayed.status).toBe(200);
    expect(relayed.vias).toHaveLength(1);
  });

  it('B3 MUST NOT relay a stray response whose branch the edge did not write above that Via', async () => {
    const edge = new ProxyHarness();
    const stray = [
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/TLS 203.0.113.1:5061;branch=z9hG4bKforged',
      'Via: SIP/2.0/UDP 10.0.0.99:5070;branch=z9hG4bKc1;received=10.0.0.99;rport=5070',
      'From: <sip:alice@a.example.com>;tag=a1',
      'To: <sip:bob@b.example.net>;tag=b1',
      'Call-ID: stray@a.example.com',
      'CSeq: 1 INVITE',
      'Content-Length: 0',
      '',
      '',
    ].join('\n');
    await edge.receive(stray, new RecordingFlow({ side: 'external', protocol: 'tls' }));
    expect([...edge.targets.keys()]).toEqual([]);
  });

  it('MUST discard a stray response whose top Via is not its own (RFC 4475 §3.3.10)', async () => {
    const edge = new ProxyHarness();
    const flow = new RecordingFlow({ side: 'external', protocol: 'tls' });
    await edge.receive(
      'SIP/2.0 200 OK\nVia: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1\nVia: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK2\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nCall-ID: bcast\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n',
      flow,
    );
    expect(edge.targets.size).toBe(0);
  });
});

describe('O5 graceful shutdown', () => {
  it('MUST answer new requests 503 with Retry-After once it stops accepting', async () => {
    const edge = new ProxyHarness();
    edge.proxy.stopAccepting();
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), client);
    expect(statusOf(client)).toEqual([503]);
    expect(sentMessage(client).headers.get('retry-after')).toBe('5');
  });

  it('O5 while draining MUST answer new out-of-dialog requests 503 with Retry-After and still relay in-dialog ones', async () => {
    const edge = new ProxyHarness();
    edge.proxy.stopAccepting({ inDialog: true });
    const client = edge.client();
    await edge.receive(request('MESSAGE', 'sip:bob@b.example.net'), client);
    expect(statusOf(client)).toEqual([503]);
    expect(sentMessage(client).headers.get('retry-after')).toBe('5');
    await edge.receive(request('MESSAGE', 'sip:bobby@b.example.net', [], { toTag: 'b7' }), client);
    const relayed = sentMessage(edge.target('198.51.100.20:5061'));
    expect(relayed.kind === 'request' && relayed.to.tag).toBe('b7');
    // Once the drain is over nothing new is taken, in a dialog or not, and draining again does not reopen.
    edge.proxy.stopAccepting();
    edge.proxy.stopAccepting({ inDialog: true });
    await edge.receive(request('MESSAGE', 'sip:caroline@b.example.net', [], { toTag: 'c8' }), client);
    expect(statusOf(client)).toEqual([503, 503]);
  });
});

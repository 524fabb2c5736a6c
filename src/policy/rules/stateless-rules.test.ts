import { describe, expect, it } from 'vitest';
import { PolicyFixture, request, response } from '../../../test/support/policy-fixture.js';
import { messageSize } from './message-size.js';
import { pidfProblem } from '../../sip/pidf-document.js';
import { pidfBody, presenceAccept } from './presence-format.js';
import { recordRouteLength } from './record-route-length.js';
import { subscriptionMaxExpires, subscriptionMinExpires } from './subscription-expires.js';

const { context } = new PolicyFixture();

describe('S2 Record-Route length', () => {
  it('MUST answer 513 when the accumulated Record-Route exceeds the limit', () => {
    const long = Array.from({ length: 6 }, (_, i) => `Record-Route: <sip:proxy${i}.b.example.net;lr;transport=tls>`);
    expect(recordRouteLength.check(request('INVITE', long), context)).toMatchObject({ kind: 'reply', status: 513 });
  });

  it('MUST let a request with a short Record-Route pass', () => {
    expect(recordRouteLength.check(request('INVITE', ['Record-Route: <sip:edge.b.example.net;lr>']), context)).toEqual({
      kind: 'pass',
    });
  });
});

describe('M4 message size', () => {
  it('MUST answer 513 to a request larger than the limit', () => {
    expect(
      messageSize.check(request('MESSAGE', ['Content-Type: text/plain'], { body: 'x'.repeat(5000) }), context),
    ).toMatchObject({ kind: 'reply', status: 513 });
    expect(messageSize.check(request('MESSAGE', ['Content-Type: text/plain'], { body: 'hello' }), context)).toEqual({
      kind: 'pass',
    });
  });
});

describe('P6 subscription duration', () => {
  it('MUST answer 423 with Min-Expires to a SUBSCRIBE below the minimum', () => {
    expect(subscriptionMinExpires.check(request('SUBSCRIBE', ['Event: presence', 'Expires: 60']), context)).toEqual({
      kind: 'reply',
      status: 423,
      reason: 'Interval Too Brief',
      headers: [['Min-Expires', '600']],
    });
  });

  it('MUST NOT refuse Expires: 0, which ends a subscription', () => {
    expect(subscriptionMinExpires.check(request('SUBSCRIBE', ['Event: presence', 'Expires: 0']), context)).toEqual({
      kind: 'pass',
    });
  });

  it('MUST lower an Expires above the maximum on the way in', () => {
    expect(subscriptionMinExpires.check(request('SUBSCRIBE', ['Event: presence', 'Expires: 604800']), context)).toEqual(
      { kind: 'edit', edits: [{ op: 'set', name: 'Expires', value: '86400' }] },
    );
  });

  it('MUST clamp the Expires granted in a 2xx to the maximum', () => {
    const subscribe = request('SUBSCRIBE', ['Event: presence']);
    expect(subscriptionMaxExpires.check(subscribe, response(200, 'SUBSCRIBE', ['Expires: 999999']), context)).toEqual({
      kind: 'edit',
      edits: [{ op: 'set', name: 'Expires', value: '86400' }],
    });
    expect(subscriptionMaxExpires.check(subscribe, response(200, 'SUBSCRIBE', ['Expires: 3600']), context)).toEqual({
      kind: 'pass',
    });
  });
});

const PIDF =
  '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="pres:bob@b.example.net"><tuple id="t1"><status><basic>open</basic></status></tuple><rpid:activities><rpid:meeting/></rpid:activities></presence>';

describe('P5 presence format', () => {
  it('MUST add Accept: application/pidf+xml to a presence SUBSCRIBE that has none', () => {
    expect(presenceAccept.check(request('SUBSCRIBE', ['Event: presence']), context)).toEqual({
      kind: 'edit',
      edits: [{ op: 'set', name: 'Accept', value: 'application/pidf+xml' }],
    });
    expect(
      presenceAccept.check(request('SUBSCRIBE', ['Event: presence', 'Accept: application/pidf+xml']), context),
    ).toEqual({ kind: 'pass' });
    expect(presenceAccept.check(request('SUBSCRIBE', ['Event: dialog']), context)).toEqual({ kind: 'pass' });
  });

  it('MUST let a well-formed PIDF NOTIFY with unknown extensions pass unchanged', () => {
    expect(
      pidfBody.check(
        request('NOTIFY', ['Event: presence', 'Content-Type: application/pidf+xml'], { body: PIDF }),
        context,
      ),
    ).toEqual({ kind: 'pass' });
  });

  it('MUST answer 400 to a NOTIFY whose PIDF is not well-formed or not PIDF', () => {
    const broken = request('NOTIFY', ['Event: presence', 'Content-Type: application/pidf+xml'], {
      body: PIDF.replace('</presence>', ''),
    });
    expect(pidfBody.check(broken, context)).toMatchObject({ kind: 'reply', status: 400 });
    expect(pidfProblem('<?xml version="1.0"?><presence xmlns="urn:example:other"/>')).toMatch(
      /not in the PIDF namespace/,
    );
    expect(pidfProblem('<?xml version="1.0"?><p:presence xmlns:p="urn:ietf:params:xml:ns:pidf"/>')).toBeUndefined();
    expect(pidfProblem('<status/>')).toMatch(/not <presence>/);
  });
});

// SPEC I5 in the proxy core alone: a fork decision's branches each fail over among their own targets
// (D2), and a branch that cannot be reached fails alone (RFC 3261 §16.7: its 503 is one response among
// the branches').

import { describe, expect, it } from 'vitest';
import { parse, ProxyHarness, responseTo, sentMessage } from '../../test/support/proxy-harness.js';
import type { ForkGroup, RouteTarget, Router } from '../routing/route-types.js';

function target(address: string): RouteTarget {
  return { protocol: 'udp', address, port: 5070, side: 'internal' };
}

/** A router that forks every request as given; the first branch also stands as the plain decision. */
function forking(groups: ForkGroup[]): Router {
  return { route: () => ({ kind: 'forward', ...groups[0]![0]!, fork: groups }) };
}

const MESSAGE = [
  'MESSAGE sip:alice@a.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.99:5070;branch=z9hG4bK-fork-core;rport',
  'Max-Forwards: 70',
  'From: <sip:bob@a.example.com>;tag=b1',
  'To: <sip:alice@a.example.com>',
  'Call-ID: fork-core@a.example.com',
  'CSeq: 1 MESSAGE',
  'Content-Length: 0',
  '',
  '',
].join('\n');

function statuses(flow: { readonly sent: readonly Buffer[] }): number[] {
  return flow.sent.map((bytes) => parse(bytes)).flatMap((m) => (m.kind === 'response' ? [m.status] : []));
}

describe('I5 fork branches in the proxy core', () => {
  it('I5 D2 counts a branch that cannot be reached as 503 for that branch only: the other one answers', async () => {
    const edge = new ProxyHarness({
      router: forking([
        [
          { targets: [target('10.0.0.1')], requestUri: 'sip:alice@10.0.0.1:5070' },
          { targets: [target('10.0.0.2')], requestUri: 'sip:alice@10.0.0.2:5070' },
        ],
      ]),
    });
    edge.unreachable.add('10.0.0.1:5070');
    const client = edge.client();
    await edge.receive(MESSAGE, client);
    expect(edge.failures).toEqual(['10.0.0.1:5070']);
    expect(statuses(client)).toEqual([]);
    const reached = edge.target('10.0.0.2:5070');
    await edge.receive(responseTo(sentMessage(reached), 200, 'OK'), reached);
    expect(statuses(client)).toEqual([200]);
  });

  it('I5 D2 answers 503 itself when no branch could be reached', async () => {
    const edge = new ProxyHarness({
      router: forking([
        [{ targets: [target('10.0.0.1')], requestUri: 'sip:alice@10.0.0.1:5070' }],
        [{ targets: [target('10.0.0.2')], requestUri: 'sip:alice@10.0.0.2:5070' }],
      ]),
    });
    edge.unreachable.add('10.0.0.1:5070');
    edge.unreachable.add('10.0.0.2:5070');
    const client = edge.client();
    await edge.receive(MESSAGE, client);
    expect(edge.failures).toEqual(['10.0.0.1:5070', '10.0.0.2:5070']);
    expect(statuses(client)).toEqual([503]);
  });

  it('I5 D2 lets a branch fail over among its own targets in series, with its contact and a fresh Via branch', async () => {
    const edge = new ProxyHarness({
      router: forking([
        [
          { targets: [target('10.0.0.1'), target('10.0.0.3')], requestUri: 'sip:alice@phone.a.example.com' },
          { targets: [target('10.0.0.2')], requestUri: 'sip:alice@10.0.0.2:5070' },
        ],
      ]),
    });
    const client = edge.client();
    await edge.receive(MESSAGE, client);
    const first = edge.target('10.0.0.1:5070');
    await edge.receive(responseTo(sentMessage(first), 503, 'Service Unavailable'), first);
    expect(statuses(client)).toEqual([]);
    const failedOver = sentMessage(edge.target('10.0.0.3:5070'));
    expect(failedOver.kind === 'request' && failedOver.requestUriText).toBe('sip:alice@phone.a.example.com');
    const branches = [first, edge.target('10.0.0.2:5070'), edge.target('10.0.0.3:5070')].map(
      (flow) => sentMessage(flow, 0).topVia.branch,
    );
    expect(new Set(branches).size).toBe(3);
    const other = edge.target('10.0.0.2:5070');
    await edge.receive(responseTo(sentMessage(other), 486, 'Busy Here'), other);
    expect(statuses(client)).toEqual([]);
    await edge.receive(responseTo(failedOver, 200, 'OK'), edge.target('10.0.0.3:5070'));
    expect(statuses(client)).toEqual([200]);
  });
});

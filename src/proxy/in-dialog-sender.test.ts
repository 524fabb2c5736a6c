// P9, X3: the edge's own requests inside a subscription dialog, on recording flows (no sockets).

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { LISTENERS, parse, responseTo, sentMessage, settle } from '../../test/support/proxy-harness.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { silentLogger } from '../observability/logger.js';
import type { InDialogRequest } from '../policy/subscriptions/subscription-actions.js';
import type { RouteTarget } from '../routing/route-types.js';
import { TransactionLayer } from '../transaction/transaction-layer.js';
import { inDialogPath, InDialogSender } from './in-dialog-sender.js';
import { LocalAddresses } from './local-addresses.js';
import { ResponseDispatcher } from './response-dispatcher.js';
import { TopologyHiding } from './topology-hiding.js';
import { randomBytes } from 'node:crypto';

const local = new LocalAddresses(LISTENERS);
/** The 2xx's Record-Route: the community's proxy, the edge (internal, external entries), the peer's edge. */
const RECORD_ROUTE = [
  '<sip:10.0.0.7:5060;transport=tcp;lr>',
  '<sip:192.0.2.1:5060;transport=tcp;lr>',
  '<sip:203.0.113.1:5061;transport=tls;lr>',
  '<sip:198.51.100.20:5061;transport=tls;lr>',
];

const NOTIFY: InDialogRequest = {
  method: 'NOTIFY',
  recipient: 'watcher',
  side: 'external',
  peer: 'b.example.net',
  requestUri: 'sip:bob@198.51.100.7:5061;transport=tls',
  recordRoute: RECORD_ROUTE,
  from: '<sip:alice@a.example.com>;tag=a9',
  to: '<sip:bob@b.example.net>;tag=b1',
  callId: 'c1@b.example.net',
  cseq: 8,
  headers: [
    ['Event', 'presence'],
    ['Subscription-State', 'terminated;reason=noresource'],
    ['Contact', '<sip:alice@10.0.0.6:5060;transport=tcp>'],
  ],
};

function setUp(options: { unreachable?: boolean; topology?: TopologyHiding } = {}) {
  const clock = new FakeClock();
  const targets: RouteTarget[] = [];
  const flows = new Map<string, RecordingFlow>();
  const connector = {
    connect: async (target: RouteTarget) => {
      if (options.unreachable === true) throw new Error('connect ECONNREFUSED');
      targets.push(target);
      const key = `${target.address}:${target.port}`;
      const flow =
        flows.get(key) ??
        new RecordingFlow({
          protocol: target.protocol,
          side: target.side,
          remote: { address: target.address, port: target.port },
        });
      flows.set(key, flow);
      return flow;
    },
  };
  const log = silentLogger();
  const transactions = new TransactionLayer({
    clock,
    timers: { t1Ms: 500, t2Ms: 4000, t4Ms: 5000 },
    responseSender: new ResponseDispatcher(connector, log),
    user: { onRequest: () => undefined, onAck: () => undefined, onStrayResponse: () => undefined },
  });
  return {
    clock,
    targets,
    flows,
    transactions,
    sender: new InDialogSender({
      transactions,
      flows: connector,
      local,
      log,
      ...(options.topology === undefined ? {} : { topology: options.topology }),
    }),
  };
}

describe('P9, X3 requests the edge sends inside a subscription dialog', () => {
  it('RFC 3261 §12.2.1.1 MUST route to the watcher through the entries after its own, and to the notifier through those before, reversed', () => {
    expect(inDialogPath(NOTIFY, local)).toEqual({
      requestUri: NOTIFY.requestUri,
      routes: ['<sip:198.51.100.20:5061;transport=tls;lr>'],
    });
    const toNotifier = {
      ...NOTIFY,
      recipient: 'notifier' as const,
      requestUri: 'sip:alice@10.0.0.6:5060;transport=tcp',
    };
    expect(inDialogPath(toNotifier, local)).toEqual({
      requestUri: toNotifier.requestUri,
      routes: ['<sip:10.0.0.7:5060;transport=tcp;lr>'],
    });
  });

  it('RFC 3261 §12.2.1.1 MUST send to a strict router with the remote target as the last Route', () => {
    const strict = { ...NOTIFY, recordRoute: [...RECORD_ROUTE.slice(0, 3), '<sip:198.51.100.20:5061;transport=tls>'] };
    expect(inDialogPath(strict, local)).toEqual({
      requestUri: 'sip:198.51.100.20:5061;transport=tls',
      routes: [`<${NOTIFY.requestUri}>`],
    });
  });

  it('MUST send the request over TLS to the peer (its domain as the server name) and resolve with the final status', async () => {
    const { targets, flows, transactions, sender } = setUp();
    const status = sender.send(NOTIFY);
    await settle();
    expect(targets).toEqual([
      { protocol: 'tls', address: '198.51.100.20', port: 5061, side: 'external', servername: 'b.example.net' },
    ]);
    const flow = flows.get('198.51.100.20:5061')!;
    const sent = sentMessage(flow);
    if (sent.kind !== 'request') throw new Error('expected a request');
    expect(sent.text).toMatch(
      /^NOTIFY sip:bob@198\.51\.100\.7:5061;transport=tls SIP\/2\.0\r\nVia: SIP\/2\.0\/TLS 203\.0\.113\.1:5061;branch=z9hG4bK[^;]+;rport\r\n/,
    );
    expect([
      sent.headers.get('route'),
      sent.headers.get('from'),
      sent.headers.get('to'),
      sent.headers.get('cseq'),
      sent.headers.get('subscription-state'),
    ]).toEqual([
      '<sip:198.51.100.20:5061;transport=tls;lr>',
      NOTIFY.from,
      NOTIFY.to,
      '8 NOTIFY',
      'terminated;reason=noresource',
    ]);
    transactions.receive(parse(Buffer.from(responseTo(sent, 200, 'OK').replace(/\n/g, '\r\n'), 'latin1')), flow);
    expect(await status).toBe(200);
  });

  it('MUST resolve with 408 when nobody answers, and 503 when the next hop cannot be reached', async () => {
    const quiet = setUp();
    const status = quiet.sender.send(NOTIFY);
    await settle();
    quiet.clock.advance(64 * 500);
    expect(await status).toBe(408);
    expect(await setUp({ unreachable: true }).sender.send(NOTIFY)).toBe(503);
  });
});

describe('I4 on the requests the edge sends inside a subscription dialog', () => {
  const topology = new TopologyHiding({ key: randomBytes(32), local });

  it("I4 MUST send the unsubscription to a peer's notifier with the Call-ID mapped and the internal watcher's Contact sealed", async () => {
    const { flows, sender } = setUp({ topology });
    const unsubscribe: InDialogRequest = {
      ...NOTIFY,
      method: 'SUBSCRIBE',
      recipient: 'notifier',
      requestUri: 'sip:bob@198.51.100.7:5061;transport=tls',
      // The dialog as the peer's 2xx created it: the peer's entry, then the edge's sealed one.
      recordRoute: ['<sip:198.51.100.20:5061;transport=tls;lr>', '<sip:203.0.113.1:5061;transport=tls;lr>'],
      callId: 'inside-1@10.0.0.99',
      headers: [
        ['Event', 'presence'],
        ['Expires', '0'],
        ['Contact', '<sip:alice@10.0.0.99:5070>'],
      ],
    };
    void sender.send(unsubscribe);
    await settle();
    const sent = sentMessage(flows.get('198.51.100.20:5061')!);
    expect(sent.headers.get('call-id')).toBe(topology.crossCallId('inside-1@10.0.0.99'));
    expect(sent.headers.get('contact')).toMatch(/^<sip:th-[\w-]+@203\.0\.113\.1:5061;transport=tls>$/);
    expect(sent.text).not.toMatch(/10\.0\.0\./);
  });

  it("I4 MUST keep the Call-ID of a NOTIFY to a peer's watcher: the peer wrote it", async () => {
    const { flows, sender } = setUp({ topology });
    void sender.send(NOTIFY);
    await settle();
    const sent = sentMessage(flows.get('198.51.100.20:5061')!);
    expect(sent.headers.get('call-id')).toBe('c1@b.example.net');
    expect(sent.text).not.toMatch(/10\.0\.0\./);
  });
});

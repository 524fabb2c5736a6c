import { describe, expect, it } from 'vitest';
import { DrivenLoad, overloadSettings } from '../../test/support/driven-load.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import type { Flow } from '../transport/flow.js';
import type { AdmissionVerdict } from '../transport/transport-options.js';
import { AdmissionController } from './admission-controller.js';
import type { AdmissionState, OverloadSettings, ShedCounts } from './overload-settings.js';

const SETTINGS = overloadSettings();

let serial = 0;

function message(options: { method?: string; toTag?: boolean; response?: boolean; branch?: string } = {}) {
  const method = options.method ?? 'MESSAGE';
  const n = ++serial;
  const startLine = options.response ? 'SIP/2.0 200 OK' : `${method} sip:bob@b.example.net SIP/2.0`;
  const frame = parseDatagram(
    sip(
      [
        startLine,
        `Via: SIP/2.0/UDP 198.51.100.7:5060;branch=${options.branch ?? `z9hG4bK-${n}`}`,
        'Max-Forwards: 70',
        'From: <sip:alice@a.example.com>;tag=f1',
        `To: <sip:bob@b.example.net>${options.toTag ? ';tag=t1' : ''}`,
        `Call-ID: call-${n}`,
        `CSeq: 1 ${method}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\n'),
    ),
    DEFAULT_PARSER_LIMITS,
  );
  if (frame.kind !== 'message') throw new Error('test message did not parse');
  return frame.message;
}

function setUp(settings: Partial<OverloadSettings> = {}) {
  const clock = new FakeClock();
  const load = new DrivenLoad();
  const shed: ShedCounts[] = [];
  const states: AdmissionState[] = [];
  const logs: string[] = [];
  const logger = { info: (_: object, m: string) => logs.push(m), warn: (_: object, m: string) => logs.push(m) };
  const controller = new AdmissionController({
    settings: { ...SETTINGS, ...settings },
    clock,
    load,
    observer: { shed: (counts) => shed.push(counts), state: (state) => states.push(state) },
    logger,
  });
  controller.start();
  /** One admission interval passes. */
  const interval = (): void => clock.advance(100);
  return { controller, load, clock, shed, states, logs, interval };
}

function judge(controller: AdmissionController, flow: Flow, m: IncomingMessage): AdmissionVerdict {
  return controller.judge(m, flow, flow.remote);
}

/** How many of `count` new requests from `flow` are admitted. */
function send(controller: AdmissionController, flow: Flow, count: number): number {
  let admitted = 0;
  for (let i = 0; i < count; i++) if (judge(controller, flow, message()).admit) admitted++;
  return admitted;
}

const flooder = new RecordingFlow({ protocol: 'tls', peerIdentity: ['flood.example.org'] });
const quiet = new RecordingFlow({ protocol: 'tls', peerIdentity: ['quiet.example.net'] });

describe('Y5 admission before the work', () => {
  it('Y5 admits every request while the edge is under its threshold', () => {
    const { controller, interval } = setUp();
    interval();
    expect(send(controller, flooder, 500)).toBe(500);
    expect(controller.shedding).toBe(false);
  });

  it('Y5 a saturated edge answers a new out-of-dialog request 503 with Retry-After, the same to every copy', () => {
    const { controller, load, interval } = setUp();
    send(controller, flooder, 100);
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 0 };
    interval();
    expect(controller.shedding).toBe(true);
    send(controller, flooder, 200);
    const request = message({ branch: 'z9hG4bK-shed-once' });
    const udp = new RecordingFlow({ protocol: 'udp', remote: { address: '198.51.100.7', port: 5060 } });
    for (let i = 0; i < 200; i++) judge(controller, udp, message());
    const first = judge(controller, udp, request);
    expect(first.admit).toBe(false);
    const answer = first.admit ? '' : first.answer!.toString('latin1');
    expect(answer).toMatch(/^SIP\/2\.0 503 /);
    expect(answer).toContain('\r\nRetry-After: 7\r\n');
    expect(answer).toMatch(/\r\nTo: <sip:bob@b\.example\.net>;tag=ov[0-9a-f]{8}\r\n/);
    expect(answer).toContain(`Call-ID: ${request.headers.get('call-id')}`);
    // A UDP retransmission gets the very same 503, even once the source's share has refilled.
    interval();
    const again = judge(controller, udp, request);
    expect(again.admit ? undefined : again.answer?.equals(first.admit ? Buffer.alloc(0) : first.answer!)).toBe(true);
  });

  it('Y5 knows a retransmission by its source and branch together, so a sender cannot get another shed', () => {
    const { controller, load, interval } = setUp();
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 0 };
    interval();
    const udp = new RecordingFlow({ protocol: 'udp', remote: { address: '198.51.100.7', port: 5060 } });
    const other = new RecordingFlow({ protocol: 'udp', remote: { address: '203.0.113.9', port: 5060 } });
    for (let i = 0; i < 20; i++) judge(controller, udp, message());
    expect(judge(controller, udp, message({ branch: 'z9hG4bK-guessed' })).admit).toBe(false);
    expect(judge(controller, other, message({ branch: 'z9hG4bK-guessed' })).admit).toBe(true);
  });

  it('Y5 drops unanswered a shed request that lacks the lines a 503 is made of', () => {
    const { controller, load, interval } = setUp({ capacityPerSecond: 100 });
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 0 };
    interval();
    send(controller, flooder, 50);
    const frame = parseDatagram(
      sip('MESSAGE sip:bob@b.example.net SIP/2.0\nVia: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK-x\n\n'),
      DEFAULT_PARSER_LIMITS,
    );
    if (frame.kind !== 'message') throw new Error('did not parse');
    expect(judge(controller, flooder, frame.message)).toEqual({ admit: false, answer: undefined });
  });

  it('Y5 lets in-dialog requests, responses, ACK and CANCEL through while saturated', () => {
    const { controller, load, interval } = setUp({ capacityPerSecond: 100 });
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 5000 };
    interval();
    expect(send(controller, flooder, 100)).toBeLessThan(100);
    expect(judge(controller, flooder, message()).admit).toBe(false);
    for (const m of [
      message({ toTag: true }),
      message({ method: 'BYE', toTag: true }),
      message({ response: true }),
      message({ method: 'ACK' }),
      message({ method: 'CANCEL' }),
    ])
      expect(judge(controller, flooder, m)).toEqual({ admit: true });
  });

  it('Y5 does not take a tag parameter inside the To URI for a dialog: such a request is new work and is shed', () => {
    const { controller, load, interval } = setUp({ capacityPerSecond: 100 });
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 5000 };
    interval();
    send(controller, flooder, 100);
    const disguised = parseDatagram(
      sip(
        [
          'MESSAGE sip:bob@b.example.net SIP/2.0',
          'Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-disguised',
          'From: <sip:alice@a.example.com>;tag=f1',
          'To: <sip:bob@b.example.net;tag=not-a-dialog>',
          'Call-ID: disguised',
          'CSeq: 1 MESSAGE',
          'Content-Length: 0',
          '',
          '',
        ].join('\n'),
      ),
      DEFAULT_PARSER_LIMITS,
    );
    if (disguised.kind !== 'message') throw new Error('did not parse');
    expect(judge(controller, flooder, disguised.message).admit).toBe(false);
  });

  it('Y5 sheds when pending requests reach their limit, even with an idle event loop', () => {
    const { controller, load, interval } = setUp();
    send(controller, flooder, 100);
    load.current = { eventLoopUtilisation: 0.1, pendingRequests: 4000 };
    interval();
    expect(controller.shedding).toBe(true);
    expect(send(controller, flooder, 100)).toBeLessThan(100);
  });

  it('Y5 sheds when connections refuse writes for unsent bytes, even with an idle event loop', () => {
    const { controller, load, interval } = setUp();
    send(controller, flooder, 100);
    load.current = { eventLoopUtilisation: 0.1, pendingRequests: 0, sendRefusals: 3 };
    interval();
    expect(controller.shedding).toBe(true);
    expect(send(controller, flooder, 100)).toBeLessThan(100);
  });

  it('Y5 starts the estimate from what the edge finished, not from what it admitted', () => {
    const { controller, load, interval } = setUp();
    // 100 admitted and none finished: the backlog grew by all of them.
    send(controller, flooder, 100);
    load.current = { eventLoopUtilisation: 0.2, pendingRequests: 100 };
    interval();
    send(controller, flooder, 100);
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 160 };
    interval();
    // Of the second 100, 40 finished (smoothed with the first interval's 0): the next interval admits about 19.
    expect(controller.shedding).toBe(true);
    expect(send(controller, flooder, 100)).toBeLessThan(40);
  });

  it('Y5 sheds when the wait inside a busy edge (pending / finished per second) passes maxQueueDelayMs', () => {
    const { controller, load, interval } = setUp();
    // 200 finished an interval and 400 waiting: 200 ms inside the edge, four times the 50 ms bound.
    send(controller, flooder, 200);
    load.current = { eventLoopUtilisation: 0.8, pendingRequests: 0 };
    interval();
    send(controller, flooder, 600);
    load.current = { eventLoopUtilisation: 0.8, pendingRequests: 400 };
    interval();
    expect(controller.shedding).toBe(true);
  });

  it('Y5 does not shed for a slow next hop: many pending requests with an idle event loop', () => {
    const { controller, load, interval } = setUp();
    send(controller, flooder, 200);
    load.current = { eventLoopUtilisation: 0.2, pendingRequests: 0 };
    interval();
    send(controller, flooder, 600);
    load.current = { eventLoopUtilisation: 0.2, pendingRequests: 400 };
    interval();
    expect(controller.shedding).toBe(false);
  });

  it('Y5 holds its capacity while only the event loop is busy: shedding a flood does not ratchet admissions down', () => {
    const { controller, load, interval } = setUp();
    send(controller, flooder, 100);
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 0 };
    interval();
    const first = send(controller, flooder, 300);
    for (let i = 0; i < 10; i++) {
      interval();
      send(controller, flooder, 300);
    }
    interval();
    // Every admitted request finished (nothing pending): the edge keeps admitting what it carries.
    expect(send(controller, flooder, 300)).toBeGreaterThanOrEqual(Math.floor(first * 0.9));
    expect(controller.shedding).toBe(true);
  });

  it('Y5 admits everything when switched off', () => {
    const { controller, load, interval } = setUp({ enabled: false, capacityPerSecond: 100 });
    load.current = { eventLoopUtilisation: 1, pendingRequests: 10_000 };
    interval();
    expect(send(controller, flooder, 300)).toBe(300);
  });
});

describe('Y5 per-source shares (RFC 7339: the biggest senders first)', () => {
  it('Y5 sheds a flooding peer down to its share while a quiet peer keeps all of its traffic', () => {
    const { controller, interval } = setUp({ capacityPerSecond: 400 }); // 40 per interval
    send(controller, flooder, 300);
    send(controller, quiet, 4);
    interval();
    const flooderAdmitted = send(controller, flooder, 300);
    const quietAdmitted = send(controller, quiet, 4);
    expect(quietAdmitted).toBe(4);
    expect(flooderAdmitted).toBe(36); // the capacity less what the quiet peer needs
    expect(controller.overShare(flooder)).toBe(true);
    expect(controller.overShare(quiet)).toBe(false);
  });

  it('Y5 pauses only the connection that brought shed requests, not another of the same source carrying answers', () => {
    const { controller, interval } = setUp({ capacityPerSecond: 400 });
    const server = new RecordingFlow({ protocol: 'tls', peerIdentity: ['flood.example.org'] });
    send(controller, flooder, 300);
    interval();
    send(controller, flooder, 300);
    expect(judge(controller, server, message({ response: true }))).toEqual({ admit: true });
    expect(controller.overShare(flooder)).toBe(true);
    expect(controller.overShare(server)).toBe(false);
    interval();
    expect(controller.overShare(flooder)).toBe(false);
  });

  it('Y5 under event-loop overload cuts the capacity and shares it, the flooder first', () => {
    const { controller, load, interval } = setUp();
    send(controller, flooder, 200);
    send(controller, quiet, 10);
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 0 };
    interval();
    const flooderAdmitted = send(controller, flooder, 200);
    const quietAdmitted = send(controller, quiet, 10);
    expect(quietAdmitted).toBe(10);
    expect(flooderAdmitted).toBeGreaterThan(0);
    expect(flooderAdmitted + quietAdmitted).toBeLessThan(210);
  });

  it('Y5 recovers: the capacity grows back once the load falls, until nothing is shed', () => {
    const { controller, load, interval, logs } = setUp();
    send(controller, flooder, 100);
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 0 };
    interval();
    load.current = { eventLoopUtilisation: 0.5, pendingRequests: 0 };
    for (let i = 0; i < 30 && controller.shedding; i++) {
      send(controller, flooder, 100);
      interval();
    }
    expect(controller.shedding).toBe(false);
    expect(send(controller, flooder, 100)).toBe(100);
    expect(send(controller, flooder, 1000)).toBe(1000); // nothing limits it any more, not even the last estimate
    interval();
    expect(controller.shedding).toBe(false);
    expect(logs).toEqual([
      'Y5 overload: shedding new out-of-dialog requests with 503',
      'Y5 overload: first new request shed with 503',
      'Y5 overload over: admitting every request',
    ]);
  });

  it('Y5 reports shed requests by cause and peer, and the state, once per interval', () => {
    const { controller, load, interval, shed, states } = setUp({ capacityPerSecond: 100 });
    load.current = { eventLoopUtilisation: 0.95, pendingRequests: 0 };
    send(controller, flooder, 30);
    interval();
    send(controller, flooder, 30);
    interval();
    expect(shed.at(-1)).toEqual({
      cause: 'event-loop',
      side: 'external',
      peer: 'flood.example.org',
      answered: expect.any(Number),
      dropped: 0,
    });
    expect(states.at(-1)).toMatchObject({ shedding: true, eventLoopUtilisation: 0.95 });
  });

  it('Y5 admits everything once stopped, and wakes the readers still waiting', () => {
    const { controller, load, interval } = setUp({ capacityPerSecond: 100 });
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 0 };
    interval();
    send(controller, flooder, 50);
    let resumed = false;
    controller.whenRefilled(() => (resumed = true));
    controller.stop();
    expect(resumed).toBe(true);
    expect(controller.overShare(flooder)).toBe(false);
    expect(send(controller, flooder, 50)).toBe(50);
  });

  it('Y5 wakes the readers waiting for their share at the next interval', () => {
    const { controller, interval } = setUp();
    let resumed = 0;
    controller.whenRefilled(() => resumed++);
    expect(resumed).toBe(0);
    interval();
    expect(resumed).toBe(1);
    interval();
    expect(resumed).toBe(1);
  });
});

// Every border rule's outcome on the wire, between real user agents. SIPp is the peer
// b.example.net (its UAC through a stunnel client, so over mutual TLS into the edge's external
// listener; its UAS behind a stunnel server) and this community a.example.com (UAC and UAS over
// TCP on the internal side). The SIPp UACs accept any final answer; the tests read the status,
// reason and headers from the UAC's message log, and count at the far UAS what crossed the border.
// test/support/policy-lab.ts draws the topology; test/fixtures/sipp/policy/ holds the scenarios.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tombstone } from '../../../src/state/tombstones.js';
import { MemoryStore } from '../../../src/state/memory-store.js';
import { PolicyLab, type Call, type LabEdge, type Side } from '../../support/policy-lab.js';
import { describeSippRun, type SippResult } from '../../support/sipp.js';
import {
  finalResponses,
  requestsReceived,
  type FinalResponse,
  type ReceivedRequest,
} from '../../support/sipp-outcomes.js';

let workDir: string;
let lab: PolicyLab;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-policy-'));
  lab = new PolicyLab({ workDir });
});

afterAll(async () => {
  await lab?.cleanup();
  // SIMPLE_EDGE_KEEP_LOGS=1 keeps every SIPp message log and stunnel log for a post-mortem.
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined && workDir !== undefined)
    rmSync(workDir, { recursive: true, force: true });
});

interface Send {
  readonly scenario: 'uac-message.xml' | 'uac-subscribe.xml' | 'uac-notify.xml';
  readonly calls: readonly Call[];
  readonly keys?: Readonly<Record<string, string>>;
}

interface Exchange {
  /** Per UAC run, the final responses it got, in call order (each run sends one call at a time). */
  readonly answers: FinalResponse[][];
  /** What the UAS on the far side received: what crossed the border. */
  readonly received: ReceivedRequest[];
}

/**
 * Runs UACs one after another from `from` while a UAS answers on the far side. Every call must have
 * got some final answer (SIPp exit 0); which one is for the test to say.
 */
async function exchange(
  edge: LabEdge,
  options: { name: string; from: Side; answer: string; sends: readonly Send[] },
): Promise<Exchange> {
  const far: Side = options.from === 'peer' ? 'internal' : 'peer';
  const uas = await lab.startUas({ name: `${options.name}-uas`, side: far, scenario: options.answer });
  const runs: SippResult[] = [];
  try {
    for (const [n, sent] of options.sends.entries()) {
      runs.push(
        await lab.runUac({ ...sent, name: `${options.name}-uac${n + 1}`, side: options.from, site: edge.site }),
      );
    }
  } finally {
    await lab.stop(uas);
  }
  for (const run of runs) expect(run.exitCode, describeSippRun(run)).toBe(0);
  return { answers: runs.map(finalResponses), received: requestsReceived(await uas.exited) };
}

const codes = (answers: readonly FinalResponse[]): number[] => answers.map((r) => r.status);

/** A Record-Route of `entries` hops, as a long chain of proxies in the peer community would build. */
function longRecordRoute(entries: number): string {
  return `Record-Route: ${Array.from({ length: entries }, (_, i) => `<sip:proxy-${i}.b.example.net;lr>`).join(', ')}`;
}

const PIDF_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:ann@b.example.net">' +
  '<tuple id="t1"><status><basic>open</basic></status></tuple></presence>';

/** Limits small enough to cross in a few calls; every test uses senders and recipients of its own. */
const BORDER_CONFIG = {
  policy: {
    noPresenceAddresses: ['all-staff@a.example.com'],
    limits: {
      maxMessageBytes: 4096,
      maxRecordRouteBytes: 512,
      minSubscriptionExpiresSeconds: 600,
      maxSubscriptionExpiresSeconds: 3600,
      perSender: { capacity: 10, refillPerSecond: 0.01 },
      maxDistinctRecipientsPerSender: 5,
    },
  },
};

describe('border rules, b.example.net with a static route and no agreement (SIPp ══ mutual TLS ══ edge)', () => {
  let edge: LabEdge;
  const store = new MemoryStore();

  beforeAll(async () => {
    edge = await lab.startEdge({ config: BORDER_CONFIG, store });
  });

  afterAll(async () => {
    if (edge !== undefined) await lab.stopEdge(edge.edge);
    await store.close();
  });

  it('S2 a SUBSCRIBE whose Record-Route is longer than maxRecordRouteBytes is answered 513 and never reaches the community', async () => {
    const {
      answers: [answers],
      received,
    } = await exchange(edge, {
      name: 's2',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [
        {
          scenario: 'uac-subscribe.xml',
          calls: [{ from: 'ann', to: 'sam' }],
          keys: { extra_header: longRecordRoute(20) },
        },
      ],
    });
    const answer = answers?.[0];
    expect([answer?.status, answer?.reason]).toEqual([513, 'Record-Route Too Long']);
    expect(received).toHaveLength(0);
  });

  it('M4 a MESSAGE larger than maxMessageBytes is answered 513; one within the limit is relayed', async () => {
    const {
      answers: [answers],
      received,
    } = await exchange(edge, {
      name: 'm4',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [
        {
          scenario: 'uac-message.xml',
          calls: [
            { from: 'ben', to: 'mia', text: 'x'.repeat(5000) },
            { from: 'ben', to: 'mia', text: 'y'.repeat(3000) },
          ],
        },
      ],
    });
    expect(answers!.map((r) => [r.status, r.reason])).toEqual([
      [513, 'Message Too Large'],
      [200, 'OK'],
    ]);
    // SIPp ends the body's line with CRLF: 3000 characters of text are a 3002-byte body.
    expect(received.map((r) => r.value('content-length'))).toEqual(['3002']);
  });

  it('P6 a SUBSCRIBE asking for less than minSubscriptionExpiresSeconds is answered 423 with Min-Expires', async () => {
    const {
      answers: [answers],
      received,
    } = await exchange(edge, {
      name: 'p6-min',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [{ scenario: 'uac-subscribe.xml', calls: [{ from: 'cy', to: 'pia' }], keys: { expires: '60' } }],
    });
    const answer = answers?.[0];
    expect([answer?.status, answer?.values('min-expires')]).toEqual([423, ['600']]);
    expect(received).toHaveLength(0);
  });

  it('P6 P5 a SUBSCRIBE asking for more than maxSubscriptionExpiresSeconds is lowered on the way in, gains Accept: application/pidf+xml, and its 2xx is clamped on the way back', async () => {
    // The presence server grants a day whatever it is asked (uas-grant-day.xml).
    const {
      answers: [answers],
      received: [subscribe],
    } = await exchange(edge, {
      name: 'p6-max',
      from: 'peer',
      answer: 'uas-grant-day.xml',
      sends: [{ scenario: 'uac-subscribe.xml', calls: [{ from: 'cy', to: 'pat' }], keys: { expires: '86400' } }],
    });
    expect(subscribe?.values('expires')).toEqual(['3600']);
    expect(subscribe?.values('accept')).toEqual(['application/pidf+xml']);
    expect([answers?.[0]?.status, answers?.[0]?.values('expires')]).toEqual([200, ['3600']]);
  });

  it('P5 a NOTIFY from the peer whose PIDF body is not well-formed, or not PIDF, is answered 400; a PIDF one is relayed', async () => {
    const {
      answers: [answers],
      received,
    } = await exchange(edge, {
      name: 'p5',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [
        {
          scenario: 'uac-notify.xml',
          calls: [
            {
              from: 'ann',
              to: 'wes',
              text: '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="t1">',
            },
            { from: 'ann', to: 'wes', text: '<?xml version="1.0"?><presence xmlns="urn:example:other"/>' },
            { from: 'ann', to: 'wes', text: PIDF_OPEN },
          ],
        },
      ],
    });
    expect(codes(answers!)).toEqual([400, 400, 200]);
    expect(answers![0]?.reason).toMatch(/^Bad PIDF: not well-formed XML/);
    expect(answers![1]?.reason).toBe('Bad PIDF: <presence> is not in the PIDF namespace urn:ietf:params:xml:ns:pidf');
    expect(received.map((r) => r.method)).toEqual(['NOTIFY']);
  });

  it('P5 a NOTIFY inside a subscription dialog whose PIDF body is not well-formed is answered 400 at the border; the valid one that follows reaches the watcher', async () => {
    // The community's watcher subscribes through the edge; the peer's notifier answers over the same
    // TLS connection, so its NOTIFYs arrive on the external side inside the dialog.
    const notifier = await lab.startUas({
      name: 'p5-dialog-notifier',
      side: 'peer',
      scenario: 'uas-notify-broken-first.xml',
      calls: 1,
      keys: { via_transport: 'TLS', contact: `sip:nora@127.0.0.1:${edge.site.peerRoutePort};transport=tls` },
    });
    const watcher = await lab.runUac({
      name: 'p5-dialog-watcher',
      side: 'internal',
      site: edge.site,
      scenario: 'uac-subscribe-notified.xml',
      calls: [{ from: 'wanda', to: 'nora' }],
    });
    const notified = await lab.finish(notifier, 5_000);
    expect(watcher.exitCode, describeSippRun(watcher)).toBe(0);
    expect(notified.exitCode, describeSippRun(notified)).toBe(0);
    expect(finalResponses(notified).map((r) => `${r.status} ${r.value('cseq')}`)).toEqual([
      '400 1 NOTIFY',
      '200 2 NOTIFY',
    ]);
    expect(finalResponses(notified)[0]?.reason).toMatch(/^Bad PIDF: not well-formed XML/);
    expect(requestsReceived(watcher, 'NOTIFY').map((r) => r.value('cseq'))).toEqual(['2 NOTIFY']);
  });

  it("P8 a peer's NOTIFY refresh storm in one dialog: the first and the change cross, the ten unchanged NOTIFYs in between are refused 503 at the border", async () => {
    const notifier = await lab.startUas({
      name: 'p8-storm-notifier',
      side: 'peer',
      scenario: 'uas-notify-storm.xml',
      calls: 1,
      keys: { via_transport: 'TLS', contact: `sip:nora@127.0.0.1:${edge.site.peerRoutePort};transport=tls` },
    });
    const watcher = await lab.runUac({
      name: 'p8-storm-watcher',
      side: 'internal',
      site: edge.site,
      scenario: 'uac-subscribe-storm-watcher.xml',
      calls: [{ from: 'wanda', to: 'nora' }],
    });
    const notified = await lab.finish(notifier, 5_000);
    expect(watcher.exitCode, describeSippRun(watcher)).toBe(0);
    expect(notified.exitCode, describeSippRun(notified)).toBe(0);
    const unchanged = Array.from({ length: 10 }, (_, i) => `503 ${i + 2} NOTIFY`);
    expect(finalResponses(notified).map((r) => `${r.status} ${r.value('cseq')}`)).toEqual([
      '200 1 NOTIFY',
      ...unchanged,
      '200 12 NOTIFY',
    ]);
    expect(requestsReceived(watcher, 'NOTIFY').map((r) => r.value('cseq'))).toEqual(['1 NOTIFY', '12 NOTIFY']);
  });

  it('P3 MESSAGE and SUBSCRIBE to a no-presence address are answered 604 for every sender and never reach the community', async () => {
    const { answers, received } = await exchange(edge, {
      name: 'p3',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [
        {
          scenario: 'uac-message.xml',
          calls: [
            { from: 'ann', to: 'all-staff' },
            { from: 'dov', to: 'All-Staff' },
          ],
        },
        { scenario: 'uac-subscribe.xml', calls: [{ from: 'eve', to: 'all-staff' }] },
      ],
    });
    expect(answers.map(codes)).toEqual([[604, 604], [604]]);
    expect(received).toHaveLength(0);
  });

  it('Y2 MESSAGE and SUBSCRIBE to a tombstoned address are answered 404 as if it never existed; a live address is relayed', async () => {
    await tombstone(store, 'carol@a.example.com', { tombstoneSeconds: 90 * 86_400 });
    const { answers, received } = await exchange(edge, {
      name: 'y2',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [
        {
          scenario: 'uac-message.xml',
          calls: [
            { from: 'dan', to: 'carol' },
            { from: 'dan', to: 'dave' },
          ],
        },
        { scenario: 'uac-subscribe.xml', calls: [{ from: 'dan', to: 'Carol' }] },
      ],
    });
    expect(answers.map(codes)).toEqual([[404, 200], [404]]);
    // The 404 a community without carol gives: no Warning that would tell a tombstone apart.
    expect(answers[0]![0]?.values('warning')).toEqual([]);
    expect(received.map((r) => r.toUser)).toEqual(['dave']);
  });

  it('Y1 a sender over its per-sender rate gets 503 with Retry-After once its bucket (perSender.capacity) is spent', async () => {
    const calls = Array.from({ length: 15 }, (_, i) => ({ from: 'flooder', to: 'rita', text: `page ${i}` }));
    const {
      answers: [answers],
      received,
    } = await exchange(edge, {
      name: 'y1-rate',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [{ scenario: 'uac-message.xml', calls }],
    });
    expect(codes(answers!)).toEqual([...Array<number>(10).fill(200), ...Array<number>(5).fill(503)]);
    expect(new Set(answers!.slice(10).map((r) => `${r.reason}, Retry-After: ${r.value('retry-after')}`))).toEqual(
      new Set(['Sender Rate Exceeded, Retry-After: 30']),
    );
    expect(received).toHaveLength(10);
  });

  it('Y1 a sender walking more distinct recipients than maxDistinctRecipientsPerSender is cut off with 503', async () => {
    const calls = Array.from({ length: 8 }, (_, i) => ({ from: 'walker', to: `u${4700 + i}` }));
    const {
      answers: [answers],
      received,
    } = await exchange(edge, {
      name: 'y1-harvest',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [{ scenario: 'uac-message.xml', calls }],
    });
    expect(codes(answers!)).toEqual([200, 200, 200, 200, 200, 503, 503, 503]);
    expect(new Set(answers!.slice(5).map((r) => `${r.reason}, Retry-After: ${r.value('retry-after')}`))).toEqual(
      new Set(['Too Many Recipients From Sender, Retry-After: 30']),
    );
    expect(received.map((r) => r.toUser)).toEqual(['u4700', 'u4701', 'u4702', 'u4703', 'u4704']);
  });

  it('X2 the trust header of a peer whose agreement does not assert trust is removed before the request reaches the community', async () => {
    const { answers, received } = await exchange(edge, {
      name: 'x2-strip',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [
        {
          scenario: 'uac-message.xml',
          calls: [{ from: 'tess', to: 'tom' }],
          keys: { extra_header: 'X-Trust-Level: trusted' },
        },
      ],
    });
    expect(answers.map(codes)).toEqual([[200]]);
    expect(received.map((r) => r.values('x-trust-level'))).toEqual([[]]);
  });

  it('P4 after the peer answers 604, MESSAGE and SUBSCRIBE from any sender of the community to that address are answered 404 at the border and never cross', async () => {
    const { answers, received } = await exchange(edge, {
      name: 'p4',
      from: 'internal',
      answer: 'uas-answer-604.xml',
      sends: [
        {
          scenario: 'uac-message.xml',
          calls: [
            { from: 'alice', to: 'gone' },
            { from: 'carl', to: 'gone' },
          ],
        },
        { scenario: 'uac-subscribe.xml', calls: [{ from: 'dora', to: 'Gone' }] },
      ],
    });
    expect(answers.map(codes)).toEqual([[604, 404], [404]]);
    expect([answers[0]![1]?.reason, answers[1]![0]?.reason]).toEqual(
      Array(2).fill('Not Found (604 from b.example.net cached)'),
    );
    expect(received.map((r) => r.toUser)).toEqual(['gone']);
  });

  it('P2 after the peer answers 404, the identical MESSAGE (new Call-ID) gets the same 404 from the edge; a changed text crosses again', async () => {
    const {
      answers: [answers],
      received,
    } = await exchange(edge, {
      name: 'p2',
      from: 'internal',
      answer: 'uas-answer-404.xml',
      sends: [
        {
          scenario: 'uac-message.xml',
          calls: [
            { from: 'erin', to: 'nobody', text: 'are you there?' },
            { from: 'erin', to: 'nobody', text: 'are you there?' },
            { from: 'erin', to: 'nobody', text: 'it is erin, are you there?' },
          ],
        },
      ],
    });
    expect(answers!.map((r) => [r.status, r.reason])).toEqual(Array(3).fill([404, 'Not Found']));
    expect(answers!.map((r) => r.values('warning'))).toEqual([
      [],
      ['399 simple-edge "P2 repeated request answered at the border"'],
      [],
    ]);
    expect(received.map((r) => r.value('call-id'))).toEqual([
      answers![0]?.value('call-id'),
      answers![2]?.value('call-id'),
    ]);
  });
});

describe('border rules, b.example.net with an agreement that asserts trust and asks for confidential mode', () => {
  let edge: LabEdge;

  beforeAll(async () => {
    edge = await lab.startEdge({
      config: {
        policy: { noPresenceAddresses: ['all-staff@a.example.com'] },
        agreements: [{ peer: 'b.example.net', assertsTrust: true, limits: { confidential: true } }],
      },
    });
  });

  afterAll(async () => {
    if (edge !== undefined) await lab.stopEdge(edge.edge);
  });

  it('X2 the trust header of a peer whose agreement asserts trust reaches the community unchanged', async () => {
    const { answers, received } = await exchange(edge, {
      name: 'x2-keep',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [
        {
          scenario: 'uac-message.xml',
          calls: [{ from: 'tess', to: 'tom' }],
          keys: { extra_header: 'X-Trust-Level: trusted' },
        },
      ],
    });
    expect(answers.map(codes)).toEqual([[200]]);
    expect(received.map((r) => r.values('x-trust-level'))).toEqual([['trusted']]);
  });

  it('Y3 M1 in confidential mode a MESSAGE the community answers 404 is answered 200 to the peer', async () => {
    const { answers, received } = await exchange(edge, {
      name: 'y3-404',
      from: 'peer',
      answer: 'uas-answer-404.xml',
      sends: [{ scenario: 'uac-message.xml', calls: [{ from: 'uma', to: 'nobody' }] }],
    });
    expect(answers.map(codes)).toEqual([[200]]);
    // The community did answer 404: the edge replaced it on the way out.
    expect(received).toHaveLength(1);
  });

  it('Y3 P3 in confidential mode a no-presence address is answered like a live one: 200, never 604', async () => {
    const { answers, received } = await exchange(edge, {
      name: 'y3-p3',
      from: 'peer',
      answer: 'uas-answer-200.xml',
      sends: [
        { scenario: 'uac-message.xml', calls: [{ from: 'uma', to: 'all-staff' }] },
        { scenario: 'uac-subscribe.xml', calls: [{ from: 'uma', to: 'all-staff' }] },
      ],
    });
    expect(answers.map(codes)).toEqual([[200], [200]]);
    expect(answers[1]![0]?.values('expires')).toEqual(['3600']);
    expect(received).toHaveLength(0);
  });
});

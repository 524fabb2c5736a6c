// SPEC I5 through the whole edge with no socket: a peer's request for a user of the built-in
// registrar with several bindings forks to every binding (RFC 3261 §16.6), and what comes back is
// aggregated as §16.7 says (RFC 3428 for MESSAGE).

import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { expectedResponse, ha1, namedAlgorithm } from '../community/digest-algorithm.js';
import type { Edge } from './edge-types.js';
import type { ForwardedRequest, InjectResult } from './inject.js';
import { startVirtualEdge, VIRTUAL_BORDER } from '../../test/support/virtual-edge.js';

const CONFIG = VIRTUAL_BORDER;

let edge: Edge | undefined;

afterEach(async () => {
  await edge?.stop(0);
  edge = undefined;
});

async function virtualEdge(extra = '', logger?: Logger): Promise<Edge> {
  edge = await startVirtualEdge(CONFIG + extra, logger === undefined ? {} : { logger });
  return edge;
}

function message(lines: string[]): string {
  return [...lines, 'Content-Length: 0', '', ''].join('\r\n');
}

function register(contacts: readonly string[], authorization?: string): string {
  return message([
    'REGISTER sip:a.example.com SIP/2.0',
    `Via: SIP/2.0/TCP 10.0.0.99:5070;branch=z9hG4bK-reg${authorization === undefined ? 1 : 2}`,
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=r1',
    'To: <sip:alice@a.example.com>',
    'Call-ID: register-1',
    `CSeq: ${authorization === undefined ? 1 : 2} REGISTER`,
    ...contacts.map((contact) => `Contact: ${contact}`),
    'Expires: 3600',
    ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
  ]);
}

/** The Authorization answering the registrar's challenge (RFC 3261 §22.4). */
function authorization(challenge: string): string {
  const param = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1] ?? '';
  const algorithm = namedAlgorithm(/algorithm=([A-Za-z0-9-]+)/.exec(challenge)?.[1]);
  if (algorithm === undefined) throw new Error(`unsupported challenge: ${challenge}`);
  const [realm, nonce, uri] = [param('realm'), param('nonce'), 'sip:a.example.com'];
  const qop = /qop="?auth/.test(challenge) ? { nc: '00000001', cnonce: 'c0ffee' } : undefined;
  const response = expectedResponse({
    algorithm,
    ha1: ha1(algorithm, 'alice', realm, 'secret'),
    method: 'REGISTER',
    uri,
    nonce,
    ...(qop === undefined ? {} : { qop }),
  });
  const qopParams = qop === undefined ? '' : `, qop=auth, nc=${qop.nc}, cnonce="${qop.cnonce}"`;
  return `Digest username="alice", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${algorithm}${qopParams}`;
}

/** alice registers these contacts (one REGISTER, RFC 3261 §10.2.1.2) with the built-in registrar. */
async function aliceAt(edge: Edge, contacts: readonly string[]): Promise<void> {
  const community = edge.community!;
  await community.directory.add({ address: 'sip:alice@a.example.com', password: 'secret', realm: community.realm });
  const challenged = await edge.inject(register(contacts), { side: 'internal' });
  const challenge = challenged.responses[0]?.headers.get('www-authenticate') ?? '';
  const registered = await edge.inject(register(contacts, authorization(challenge)), { side: 'internal' });
  expect(registered.responses.map((r) => r.status)).toEqual([200]);
}

const PHONE = '<sip:alice@10.0.0.98:5070;transport=tcp>';
const DESKTOP = '<sip:alice@10.0.0.97:5070;transport=tcp>';
const BROWSER = '<sip:alice@10.0.0.96:5070;transport=tcp>';

function fromPeer(method: 'MESSAGE' | 'INVITE' | 'SUBSCRIBE', callId: string): string {
  return message([
    `${method} sip:alice@a.example.com SIP/2.0`,
    `Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-${callId}`,
    'Max-Forwards: 70',
    'From: <sip:bob@b.example.net>;tag=m1',
    'To: <sip:alice@a.example.com>',
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    ...(method === 'MESSAGE' ? [] : ['Contact: <sip:bob@198.51.100.7:5061;transport=tls>']),
    ...(method === 'SUBSCRIBE' ? ['Event: dialog'] : []),
  ]);
}

function cancelFor(callId: string): string {
  return message([
    'CANCEL sip:alice@a.example.com SIP/2.0',
    `Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-${callId}`,
    'Max-Forwards: 70',
    'From: <sip:bob@b.example.net>;tag=m1',
    'To: <sip:alice@a.example.com>',
    `Call-ID: ${callId}`,
    'CSeq: 1 CANCEL',
  ]);
}

const PEER = { side: 'external', peer: 'b.example.net' } as const;

function hosts(forwarded: readonly ForwardedRequest[]): string[] {
  return forwarded.map((f) => `${f.request.method} ${f.destination.address}`);
}

function statuses(result: InjectResult): number[] {
  return result.responses.map((r) => r.status);
}

function forkedCount(edge: Edge): Promise<number> {
  return edge.metrics.forkBranches
    .get()
    .then((metric) => metric.values.find((v) => v.metricName === 'simple_edge_fork_branches_count')?.value ?? 0);
}

describe('I5 forking to every binding (RFC 3261 §16.6-16.7, RFC 3428)', () => {
  it('I5 sends a MESSAGE for a user with two bindings to both, each with its contact as Request-URI and a Via branch of its own', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [PHONE, DESKTOP]);
    const sent = await edge.inject(fromPeer('MESSAGE', 'fork-1'), PEER);
    expect(sent.responses).toEqual([]);
    expect(hosts(sent.forwarded).sort()).toEqual(['MESSAGE 10.0.0.97', 'MESSAGE 10.0.0.98']);
    expect(sent.forwarded.map((f) => f.request.requestUriText).sort()).toEqual([
      'sip:alice@10.0.0.97:5070;transport=tcp',
      'sip:alice@10.0.0.98:5070;transport=tcp',
    ]);
    const branches = sent.forwarded.map((f) => f.request.topVia.branch);
    expect(new Set(branches).size).toBe(2);
    expect(await forkedCount(edge)).toBe(1);
  });

  it('I5 O4 logs the decision to fork with the Call-ID and the branches of each group', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const edge = await virtualEdge('', pino({ level: 'debug' }, sink));
    await aliceAt(edge, [`${PHONE};q=1.0`, `${DESKTOP};q=1.0`, `${BROWSER};q=0.5`]);
    await edge.inject(fromPeer('MESSAGE', 'fork-log'), PEER);
    expect(lines.filter((line) => line.msg === 'forking to every binding (I5)')).toMatchObject([
      { callId: 'fork-log', method: 'MESSAGE', branches: 3, groups: [2, 1] },
    ]);
  });

  it('I5 relays the first 2xx of a forked MESSAGE upstream and absorbs the finals after it', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [PHONE, DESKTOP]);
    const sent = await edge.inject(fromPeer('MESSAGE', 'fork-2'), PEER);
    const [first, second] = sent.forwarded;
    expect(statuses(await first!.respond(202))).toEqual([202]);
    expect(statuses(await second!.respond(200))).toEqual([]);
  });

  it('I5 answers with the best final response once every branch failed (§16.7 step 6)', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [PHONE, DESKTOP]);
    const sent = await edge.inject(fromPeer('MESSAGE', 'fork-3'), PEER);
    const [first, second] = sent.forwarded;
    expect(statuses(await first!.respond(500))).toEqual([]);
    expect(statuses(await second!.respond(486))).toEqual([486]);
  });

  it('I5 ends the fork at a 6xx: it goes upstream at once, and a later 2xx is absorbed (§16.7 step 9)', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [PHONE, DESKTOP]);
    const sent = await edge.inject(fromPeer('MESSAGE', 'fork-4'), PEER);
    const [first, second] = sent.forwarded;
    expect(statuses(await first!.respond(603))).toEqual([603]);
    expect(statuses(await second!.respond(200))).toEqual([]);
  });

  it('I5 tries the highest q-value group in parallel, and the next group only when every branch of it failed', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [`${PHONE};q=1.0`, `${BROWSER};q=0.5`, `${DESKTOP};q=1.0`]);
    const sent = await edge.inject(fromPeer('MESSAGE', 'fork-5'), PEER);
    expect(hosts(sent.forwarded).sort()).toEqual(['MESSAGE 10.0.0.97', 'MESSAGE 10.0.0.98']);
    const [first, second] = sent.forwarded;
    const one = await first!.respond(480);
    expect(one.forwarded).toEqual([]);
    const both = await second!.respond(404);
    expect(statuses(both)).toEqual([]);
    expect(hosts(both.forwarded)).toEqual(['MESSAGE 10.0.0.96']);
    expect(statuses(await both.forwarded[0]!.respond(200))).toEqual([200]);
  });

  it('I5 in sequential mode reaches one binding after another, best q first', async () => {
    const edge = await virtualEdge('community: { forking: { mode: sequential } }\n');
    await aliceAt(edge, [`${PHONE};q=0.5`, `${DESKTOP};q=0.9`]);
    const sent = await edge.inject(fromPeer('MESSAGE', 'fork-6'), PEER);
    expect(hosts(sent.forwarded)).toEqual(['MESSAGE 10.0.0.97']);
    const next = await sent.forwarded[0]!.respond(486);
    expect(hosts(next.forwarded)).toEqual(['MESSAGE 10.0.0.98']);
    expect(statuses(await next.forwarded[0]!.respond(200))).toEqual([200]);
  });

  it('I5 B4 forks to at most community.forking.maxBranches contacts, the best ones', async () => {
    const edge = await virtualEdge('community: { forking: { maxBranches: 2 } }\n');
    await aliceAt(edge, [`${PHONE};q=0.9`, `${DESKTOP};q=0.8`, `${BROWSER};q=0.7`]);
    const sent = await edge.inject(fromPeer('MESSAGE', 'fork-7'), PEER);
    expect(hosts(sent.forwarded)).toEqual(['MESSAGE 10.0.0.98']);
    const next = await sent.forwarded[0]!.respond(486);
    expect(hosts(next.forwarded)).toEqual(['MESSAGE 10.0.0.97']);
    const last = await next.forwarded[0]!.respond(480);
    expect(last.forwarded).toEqual([]);
    // §16.7 step 6: within the lowest class, the first to arrive.
    expect(statuses(last)).toEqual([486]);
  });

  it('I5 relays the 2xx of a forked INVITE and CANCELs the other branch (§16.7 step 10)', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [PHONE, DESKTOP]);
    const sent = await edge.inject(fromPeer('INVITE', 'fork-8'), PEER);
    expect(statuses(sent)).toEqual([100]);
    expect(hosts(sent.forwarded).sort()).toEqual(['INVITE 10.0.0.97', 'INVITE 10.0.0.98']);
    const [first, second] = sent.forwarded;
    expect(statuses(await first!.respond(180))).toEqual([180]);
    expect(statuses(await second!.respond(180))).toEqual([180]);
    const answered = await first!.respond(200);
    expect(statuses(answered)).toEqual([200]);
    const cancels = answered.forwarded.filter((f) => f.request.method === 'CANCEL');
    expect(cancels.map((c) => c.destination.address)).toEqual([second!.destination.address]);
    expect(cancels[0]!.request.topVia.branch).toBe(second!.request.topVia.branch);
    await cancels[0]!.respond(200);
    // The cancelled branch's 487 ends there: the caller already has its 2xx.
    expect(statuses(await second!.respond(487))).toEqual([]);
  });

  it('I5 passes every 2xx of a forked INVITE upstream: the caller chooses the dialog (§16.7 step 10)', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [PHONE, DESKTOP]);
    const sent = await edge.inject(fromPeer('INVITE', 'fork-9'), PEER);
    const [first, second] = sent.forwarded;
    expect(statuses(await first!.respond(200))).toEqual([200]);
    expect(statuses(await second!.respond(200))).toEqual([200]);
  });

  it('I5 cancels every pending branch when the caller CANCELs a forked INVITE (§16.10)', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [PHONE, DESKTOP]);
    const sent = await edge.inject(fromPeer('INVITE', 'fork-10'), PEER);
    const [first, second] = sent.forwarded;
    await first!.respond(180);
    await second!.respond(183);
    const cancelled = await sent.send(cancelFor('fork-10'));
    expect(statuses(cancelled)).toEqual([200]);
    const cancels = cancelled.forwarded.filter((f) => f.request.method === 'CANCEL');
    expect(cancels.map((c) => c.destination.address).sort()).toEqual(['10.0.0.97', '10.0.0.98']);
    expect(statuses(await first!.respond(487))).toEqual([]);
    expect(statuses(await second!.respond(487))).toEqual([487]);
  });

  it('I5 forks a SUBSCRIBE like a MESSAGE: the first 2xx goes up, each device keeps its own dialog', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [PHONE, DESKTOP]);
    const sent = await edge.inject(fromPeer('SUBSCRIBE', 'fork-11'), PEER);
    expect(hosts(sent.forwarded).sort()).toEqual(['SUBSCRIBE 10.0.0.97', 'SUBSCRIBE 10.0.0.98']);
    const [first, second] = sent.forwarded;
    expect(statuses(await first!.respond(200))).toEqual([200]);
    expect(statuses(await second!.respond(200))).toEqual([]);
  });

  it('I5 sends a request for a user with one binding down the one-target path, with no fork', async () => {
    const edge = await virtualEdge();
    await aliceAt(edge, [PHONE]);
    const sent = await edge.inject(fromPeer('MESSAGE', 'fork-12'), PEER);
    expect(hosts(sent.forwarded)).toEqual(['MESSAGE 10.0.0.98']);
    expect(statuses(await sent.forwarded[0]!.respond(200))).toEqual([200]);
    expect(await forkedCount(edge)).toBe(0);
  });
});

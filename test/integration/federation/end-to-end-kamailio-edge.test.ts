// Federation with a third-party edge: community B's EDGE is Kamailio (test/fixtures/kamailio-peer/, mutual TLS),
// community A is simple-edge with its built-in registrar and presence server. A finds B only through
// bind9 (test/fixtures/dns-federation: NAPTR, then SRV, whose first target is an edge that drops
// every connection, so A fails over to Kamailio, D2). Kamailio cannot be pointed at a test DNS server
// (it uses only the system resolver on port 53), so it reaches A by a static next hop: its
// EDGE_URI define names A's TLS listener. alice@A is a user agent on UDP registered with digest at A; B's users
// are a SIP endpoint behind Kamailio (its UA_URI). Besides MESSAGE (by SIP URI and through ENUM) and
// SUBSCRIBE/NOTIFY both ways, A's border rules apply to what Kamailio relays: P6, P8, Y1 (rate and
// harvesting), F7 and S2; A reconnects after Kamailio restarts, A's user removal reaches B (X3), and
// A caches a 604 relayed by Kamailio across its own restart on SQLite (P4).
// Kamailio's tm relays A's 503s as 500 (RFC 3261 §16.7 step 6); the fixture logs what A answered.

import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/edge.js';
import type { IncomingRequest, IncomingResponse } from '../../../src/sip/incoming-message.js';
import { ensureDebianPackages } from '../../support/apt.js';
import { BIND9_SETUP_TIMEOUT_MS, type Bind9 } from '../../support/bind9.js';
import { PortAllocator, startEdge, stopEdge } from '../../support/edge-harness.js';
import { SipEndpoint } from '../subscriptions/sip-endpoint.js';
import {
  DeadEdge,
  endToEndEdgeYaml,
  PASSWORD,
  pidf,
  policyDecisions,
  startFederationDns,
  UdpUserAgent,
  type EdgePorts,
} from './end-to-end-lab.js';
import {
  A,
  B,
  communityTls,
  edgeTls,
  eventually,
  messageRequest,
  newCallId,
  notifyRequest,
  subscribeRequest,
  tlsFlowIds,
  type Party,
} from './federation-lab.js';
import { KamailioPeerEdge } from './kamailio-peer-lab.js';

/** A's border: a small per-sender bucket and a cap on distinct recipients per sender (Y1), so one of B's senders can run into each. */
const A_POLICY =
  'policy: { limits: { perSender: { capacity: 4, refillPerSecond: 0.01 }, maxDistinctRecipientsPerSender: 3, retryAfterSeconds: 45 } }';

const ports = new PortAllocator();
const tlsA = communityTls(A);
const tlsB = communityTls(B);
const first = ports.take(8);
const portsA: EdgePorts = { internal: first, external: first + 1, admin: first + 2 };
/** Kamailio's TLS (peer-facing) and TCP (B's users) ports, B's users' endpoint, B's dead first SRV target, alice. */
const kamailioTls = first + 3;
const kamailioTcp = first + 4;
const usersB = first + 5;
const deadPort = first + 6;
const alicePort = first + 7;
const bob: Party = { user: 'bob', domain: B };

let bind: Bind9;
let deadEdge: DeadEdge;
let stateDir: string;
let kamailio: KamailioPeerEdge;
let edgeA: Edge;
let alice: UdpUserAgent;
let uaB: SipEndpoint;
let fromB: Socket;
/** alice's subscription to bob: B's side of it (the SUBSCRIBE as it arrived, alice's 200); bob's to alice. */
let aliceWatch: { subscribe: IncomingRequest; ok: IncomingResponse } | undefined;
let bobWatchesAlice = '';

beforeAll(async () => {
  await ensureDebianPackages(['kamailio', 'kamailio-tls-modules']);
  deadEdge = await DeadEdge.listen(deadPort);
  bind = await startFederationDns({ aTls: portsA.external, bTls: kamailioTls, bDown: deadPort });
  uaB = await SipEndpoint.listen({ name: 'users-b', port: usersB });
  kamailio = await startKamailio();
  stateDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-e2e-kamailio-edge-'));
  // B's distribution list: its users' endpoint answers 604 for it (P3), Kamailio relays that to A.
  uaB.answer = (request) => ({ status: request.requestUriText.startsWith(`sip:list@${B}`) ? 604 : 200 });
  edgeA = await startA();
  await edgeA.community!.directory.add({ address: `alice@${A}`, password: PASSWORD, realm: A });
  alice = await UdpUserAgent.start({ user: 'alice', domain: A, port: alicePort, edgePort: portsA.internal });
  fromB = await uaB.connect(kamailioTcp);
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await alice?.close();
  if (edgeA !== undefined) await stopEdge(edgeA).catch(() => undefined);
  await kamailio?.stop();
  await uaB?.close();
  await bind?.stop();
  await deadEdge?.close();
  if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
});

/** A MESSAGE from one of B's users (From `from`) to alice, sent to Kamailio; `edit` may change its text. */
async function messageFromB(from: Party, edit: (text: string) => string = (text) => text) {
  const callId = newCallId('kam-e2e');
  const response = await uaB.request(fromB, edit(messageRequest(uaB, from, { user: 'alice', domain: A }, callId)));
  return { callId, response };
}

const startKamailio = (): Promise<KamailioPeerEdge> =>
  KamailioPeerEdge.start({
    own: tlsB,
    peer: tlsA,
    tlsPort: kamailioTls,
    tcpPort: kamailioTcp,
    userAgentPort: usersB,
    edgePort: portsA.external,
  });

/** bob's NOTIFY in alice's subscription, sent to Kamailio: this CSeq, and a PIDF body when given. */
async function notifyFromB(cseq: number, body?: string): Promise<IncomingResponse> {
  let text = notifyRequest(uaB, aliceWatch!.subscribe, aliceWatch!.ok, usersB).replace(
    'CSeq: 1 NOTIFY',
    `CSeq: ${cseq} NOTIFY`,
  );
  if (body !== undefined)
    text = text.replace(
      /Content-Length: 0\r\n\r\n$/,
      `Content-Type: application/pidf+xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  return uaB.request(fromB, text);
}

/** A keeps its state (users, the 604 cache) in SQLite, across the restart at the end. */
function startA(): Promise<Edge> {
  return startEdge({
    // Kamailio publishes no policy document (G2): A does not look for one.
    yaml: endToEndEdgeYaml({
      domain: A,
      ports: portsA,
      peer: B,
      resolver: bind.resolver,
      internal: 'builtin',
      stateFile: path.join(stateDir, 'a.db'),
      extra: [A_POLICY, 'policyDocument: { fetch: false }'],
    }),
    tls: edgeTls(tlsA, tlsB),
  });
}

const decisions = (rule: string, verdict: string): Promise<number> => policyDecisions(edgeA, rule, verdict);

describe("F2 D2 I1 simple-edge (built-in components) federating with Kamailio as B's edge", () => {
  it("I2 alice registers with A's built-in registrar, answering its digest challenge", async () => {
    expect(await alice.register()).toEqual([401, 200]);
  });

  it("D2 I3 MESSAGE A→B: A finds Kamailio through NAPTR and SRV, past B's dead first target, and Kamailio delivers it", async () => {
    const { callId, response } = await alice.message(`bob@${B}`);
    expect(response.status, kamailio.log).toBe(200);
    const [arrived] = await uaB.waitFor('MESSAGE', callId, 1);
    expect(arrived!.from.uri).toMatchObject({ user: 'alice', host: A });
    expect(deadEdge.attempts).toBeGreaterThanOrEqual(1); // edge1 was tried first, as its SRV priority says
    expect(edgeA.peerFlows.count(B, 'outbound')).toBe(1);
  });

  it("I1 MESSAGE B→A: Kamailio relays it over mutual TLS and A's built-in registrar delivers it to alice's contact", async () => {
    const { callId, response } = await messageFromB(bob);
    expect(response.status, kamailio.log).toBe(200);
    const [arrived] = await alice.waitFor('MESSAGE', callId, 1);
    expect(arrived!.requestUriText).toBe(alice.contact);
  });

  it('D4 D5 D6 MESSAGE A→B to tel: numbers: ENUM (E2U+im, and the enum: redirect) and _im._sip SRV lead A to Kamailio', async () => {
    for (const number of ['tel:+1-555-0001', 'tel:+15550002']) {
      const { callId, response } = await alice.message(number);
      expect(response.status, kamailio.log).toBe(200);
      const [arrived] = await uaB.waitFor('MESSAGE', callId, 1);
      expect(arrived!.requestUriText).toBe(`sip:bob@${B}`); // D5: the im: URI goes out as the SIP URI of the same user
    }
  });

  it("P5 alice watches bob behind Kamailio: the SUBSCRIBE arrives with Accept pidf+xml, and B's NOTIFY returns along the route set", async () => {
    const { callId, response } = await alice.subscribe(`bob@${B}`, 600);
    expect(response.status, kamailio.log).toBe(200);
    const [subscribe] = await uaB.waitFor('SUBSCRIBE', callId, 1);
    expect(subscribe!.headers.get('accept')).toContain('application/pidf+xml');
    aliceWatch = { subscribe: subscribe!, ok: response };
    expect((await notifyFromB(1)).status, kamailio.log).toBe(200);
    const [arrived] = await alice.waitFor('NOTIFY', callId, 1);
    expect(arrived!.headers.get('subscription-state')).toMatch(/^active/);
  });

  it('P8 an unchanged NOTIFY from B within the interval is refused at A (503, Kamailio relays 500), and a change crosses at once', async () => {
    const callId = aliceWatch!.subscribe.callId;
    expect((await notifyFromB(2)).status, kamailio.log).toBe(500);
    expect(await decisions('notify-rate', 'reply-503')).toBe(1);
    expect(alice.requests('NOTIFY', callId)).toHaveLength(1);
    expect((await notifyFromB(3, pidf(`bob@${B}`, 'open', 'bob-on-the-phone'))).status, kamailio.log).toBe(200);
    const notifies = await alice.waitFor('NOTIFY', callId, 2);
    expect(notifies[1]!.body.toString()).toContain('bob-on-the-phone');
  });

  it("I2 P5 bob watches alice from behind Kamailio: A's built-in presence server sends the initial NOTIFY, then alice's change", async () => {
    const callId = newCallId('kam-e2e-watch');
    bobWatchesAlice = callId;
    const accepted = await uaB.request(fromB, subscribeRequest(uaB, bob, { user: 'alice', domain: A }, callId, usersB));
    expect(accepted.status, kamailio.log).toBe(200);
    const [initial] = await uaB.waitFor('NOTIFY', callId, 1);
    expect(initial!.headers.get('subscription-state')).toMatch(/^active/);
    expect((await alice.publish('open', 'alice-back-from-lunch')).response.status).toBe(200);
    await eventually(
      () => uaB.requests('NOTIFY', callId).some((n) => n.body.toString().includes('alice-back-from-lunch')),
      "alice's change at bob",
    );
  });

  it("P6 a SUBSCRIBE from B asking less than A's minimum meets A's 423 with Min-Expires, relayed by Kamailio", async () => {
    const callId = newCallId('kam-e2e-short');
    const short = subscribeRequest(
      uaB,
      { user: 'dora', domain: B },
      { user: 'alice', domain: A },
      callId,
      usersB,
    ).replace('Expires: 600', 'Expires: 60');
    const answer = await uaB.request(fromB, short);
    expect([answer.status, answer.headers.get('min-expires')]).toEqual([423, '600']);
    expect(await decisions('subscription-min-expires', 'reply-423')).toBe(1);
  });

  it("Y1 a sender of B over A's per-sender rate is refused at A with 503 and Retry-After; Kamailio relays it as 500 (RFC 3261 §16.7)", async () => {
    const flood: Party = { user: 'flood', domain: B };
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await messageFromB(flood)).response.status);
    expect(answers, kamailio.log).toEqual([200, 200, 200, 200, 500]);
    expect(await decisions('sender-rate-limit', 'reply-503')).toBe(1);
    // What A answered, as Kamailio's onreply_route logged it before converting it.
    await eventually(
      () => /reply from the peer: 503 [^;]*; Retry-After: 45/.test(kamailio.log),
      "Kamailio to log A's 503 with Retry-After",
    );
    expect(alice.requests('MESSAGE').filter((m) => m.headers.get('from')?.startsWith(`<sip:flood@${B}>`))).toHaveLength(
      4,
    );
  });

  it('F7 a MESSAGE Kamailio relays From a domain it does not speak for is refused 403 by A', async () => {
    const { callId, response } = await messageFromB({ user: 'mallory', domain: 'c.example.org' });
    // A's own reason phrase, relayed by Kamailio: the refusal is A's, not Kamailio's.
    expect([response.status, response.reason]).toEqual([
      403,
      'c.example.org is not a domain this connection is authenticated for',
    ]);
    expect(alice.requests('MESSAGE', callId)).toHaveLength(0);
  });

  it("S2 a MESSAGE whose Record-Route, with Kamailio's own entries, exceeds A's limit is answered 513 by A", async () => {
    const long = Array.from(
      { length: 25 },
      (_, i) => `Record-Route: <sip:hop${i}.proxies.b.example.net;lr;transport=tcp;x=${'y'.repeat(60)}>`,
    ).join('\r\n');
    const { callId, response } = await messageFromB({ user: 'erin', domain: B }, (text) =>
      text.replace('Max-Forwards: 70', `Max-Forwards: 70\r\n${long}`),
    );
    expect(response.status).toBe(513);
    expect(await decisions('record-route-length', 'reply-513')).toBe(1);
    expect(alice.requests('MESSAGE', callId)).toHaveLength(0);
  });

  it("Y1 a sender of B walking A's address space is cut off after maxDistinctRecipientsPerSender (harvesting)", async () => {
    const walker: Party = { user: 'walker', domain: B };
    const walk = [];
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      walk.push(
        (await uaB.request(fromB, messageRequest(uaB, walker, { user, domain: A }, newCallId('kam-e2e-walk')))).status,
      );
    }
    expect(walk, kamailio.log).toEqual([404, 404, 404, 500]); // A's 503, relayed by Kamailio as 500
    expect(await decisions('sender-recipient-cap', 'reply-503')).toBe(1);
  });

  it('D2 Kamailio restarts: A reconnects through DNS on demand, and MESSAGE crosses both ways again', async () => {
    const before = tlsFlowIds(edgeA);
    await kamailio.stop();
    kamailio = await startKamailio();
    fromB = await uaB.connect(kamailioTcp);
    const { callId, response } = await alice.message(`bob@${B}`);
    expect(response.status, kamailio.log).toBe(200);
    await uaB.waitFor('MESSAGE', callId, 1);
    const back = await messageFromB(bob);
    expect(back.response.status, kamailio.log).toBe(200);
    await alice.waitFor('MESSAGE', back.callId, 1);
    const after = tlsFlowIds(edgeA);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
  });

  it('X3 Y2 alice is removed from A: bob, watching her from behind Kamailio, gets NOTIFY terminated;reason=noresource, and her address is refused', async () => {
    expect(await edgeA.community!.registrar.removeUser(alice.aor)).toBe(true);
    await eventually(
      () =>
        uaB
          .requests('NOTIFY', bobWatchesAlice)
          .some((n) => n.headers.get('subscription-state') === 'terminated;reason=noresource'),
      'the terminating NOTIFY at bob',
    );
    const { response } = await messageFromB({ user: 'carol', domain: B });
    expect(response.status, kamailio.log).toBe(404);
  });

  it('P3 P4 B answers 604 for its distribution list through Kamailio; A caches it, and after A restarts on SQLite it still never crosses', async () => {
    const first = await alice.message(`list@${B}`, { fromUser: 'frank' });
    expect(first.response.status, kamailio.log).toBe(604);
    const again = await alice.message(`list@${B}`, { fromUser: 'grace' });
    expect([again.response.status, again.response.reason]).toEqual([404, `Not Found (604 from ${B} cached)`]);
    await stopEdge(edgeA);
    edgeA = await startA();
    const afterRestart = await alice.message(`list@${B}`, { fromUser: 'heidi' });
    expect(afterRestart.response.status).toBe(404);
    expect(uaB.requests('MESSAGE', again.callId).length + uaB.requests('MESSAGE', afterRestart.callId).length).toBe(0);
  });
});

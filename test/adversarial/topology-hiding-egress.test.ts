// I4 judged by what really leaves the edge: a real `simple-edge start` with topology hiding on, in the
// border lab (border-lab.ts), with the peer's edge noting every request it receives over mutual TLS
// (decrypted) and tcpdump recording every packet the edge sends (egress-capture.ts). A community
// phone sends a MESSAGE and starts a subscription with the peer (the peer's NOTIFY comes in, the
// phone's 200 goes out); the peer subscribes to a user of the built-in presence server (its NOTIFY
// goes out). Nothing that reaches the peer may name the phone or carry a Call-ID the phone wrote,
// and no packet with such a Call-ID may go anywhere but the phone.

import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_DOMAIN, PEER_DOMAIN } from '../support/edge-harness.js';
import { BorderLab, EDGE_PORTS, USERS, type LabRecord } from './border-lab.js';
import type { PeerClient } from './peer-edge.js';
import { answer, callIdOf, headerValues, methodOf, statusOf } from './sip-wire.js';

const ANSWER_MS = 3_000;

let lab: BorderLab;
let phone: HidingPhone;
let peerClient: PeerClient;
/** Everything the peer received: the requests its edge noted, and the final responses its client got. */
const peerSaw: string[] = [];
let record: LabRecord;

/** A phone of the community that keeps its socket: it sends requests and answers 200 to what arrives. */
class HidingPhone {
  readonly received: string[] = [];
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (datagram, from) => {
      const text = datagram.toString('latin1');
      this.received.push(text);
      const method = methodOf(text);
      if (method !== undefined && method !== 'ACK') socket.send(answer(text, 200, 'OK'), from.port, from.address);
    });
  }

  static async open(address: string): Promise<HidingPhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    return new HidingPhone(socket);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  get address(): string {
    return this.#socket.address().address;
  }

  /** Sends a request to the edge's internal listener and waits for its final response. */
  async request(text: string, edge: { address: string; port: number }): Promise<string> {
    const callId = callIdOf(text)!;
    this.#socket.send(text, edge.port, edge.address);
    return this.waitFor((m) => callIdOf(m) === callId && (statusOf(m) ?? 0) >= 200);
  }

  async waitFor(match: (message: string) => boolean): Promise<string> {
    const deadline = Date.now() + ANSWER_MS;
    for (;;) {
      const found = this.received.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('the phone received nothing that matches');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.#socket.close();
  }
}

function sip(lines: string[], body = ''): string {
  return [...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

function pidf(entity: string): string {
  return (
    `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${entity}">` +
    '<tuple id="t1"><status><basic>open</basic></status></tuple></presence>'
  );
}

async function peerSends(text: string): Promise<string> {
  const final = await peerClient.send(text, callIdOf(text)!, ANSWER_MS);
  if (final === undefined) throw new Error(`no final response to the peer's ${text.split('\r\n')[0]}`);
  peerSaw.push(final);
  return final;
}

async function arrivedAtPeer(method: string, callId: string): Promise<string> {
  const deadline = Date.now() + ANSWER_MS;
  for (;;) {
    const found = lab.peer.arrived.find((a) => a.method === method && a.callId === callId);
    if (found !== undefined) return found.text;
    if (Date.now() > deadline) throw new Error(`no ${method} with Call-ID ${callId} reached the peer`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The Call-IDs the phone wrote: none may leave the community. */
const inside = { message: `inside-message-${Date.now()}`, subscribe: `inside-watch-${Date.now()}` };

beforeAll(async () => {
  lab = await BorderLab.start('topology-hiding', { community: { topologyHiding: true } });
  phone = await HidingPhone.open(lab.ns.worldAddress);
  peerClient = await lab.connectAsPeer();
  const edge = lab.edgeInternal;
  const via = () =>
    `Via: SIP/2.0/UDP ${phone.address}:${phone.port};branch=z9hG4bK-${Math.random().toString(36).slice(2)};rport`;
  const alice = `<sip:${USERS.registered}@${LOCAL_DOMAIN}>`;
  const contact = `Contact: <sip:${USERS.registered}@${phone.address}:${phone.port}>`;

  // A MESSAGE out.
  const messaged = await phone.request(
    sip(
      [
        `MESSAGE sip:bob@${PEER_DOMAIN} SIP/2.0`,
        via(),
        'Max-Forwards: 70',
        `From: ${alice};tag=m1`,
        `To: <sip:bob@${PEER_DOMAIN}>`,
        `Call-ID: ${inside.message}`,
        'CSeq: 1 MESSAGE',
        contact,
        'Content-Type: text/plain',
      ],
      'hello across',
    ),
    edge,
  );
  expect(statusOf(messaged)).toBe(200);

  // A subscription the phone starts: SUBSCRIBE out, the peer's 200 back, its NOTIFY in, the phone's 200 out.
  const subscribed = await phone.request(
    sip([
      `SUBSCRIBE sip:bob@${PEER_DOMAIN} SIP/2.0`,
      via(),
      'Max-Forwards: 70',
      `From: ${alice};tag=w1`,
      `To: <sip:bob@${PEER_DOMAIN}>`,
      `Call-ID: ${inside.subscribe}`,
      'CSeq: 1 SUBSCRIBE',
      contact,
      'Event: presence',
      'Accept: application/pidf+xml',
      'Expires: 3600',
    ]),
    edge,
  );
  expect(statusOf(subscribed)).toBe(200);
  const subscribeAtPeer = lab.peer.arrived.find((a) => a.method === 'SUBSCRIBE')!.text;
  const peerCallId = callIdOf(subscribeAtPeer)!;
  const sealedContact = /<([^>]+)>/.exec(headerValues(subscribeAtPeer, 'Contact', 'm')[0]!)![1]!;
  const routes = headerValues(subscribeAtPeer, 'Record-Route').reverse();
  const bobTag = /;tag=([^;>\s]+)/.exec(headerValues(subscribed, 'To', 't')[0]!)![1]!;
  const notified = await peerSends(
    sip(
      [
        `NOTIFY ${sealedContact} SIP/2.0`,
        `Via: SIP/2.0/TLS ${lab.ns.worldAddress}:${lab.peer.port};branch=z9hG4bK-n1`,
        ...routes.map((value) => `Route: ${value}`),
        'Max-Forwards: 70',
        `From: <sip:bob@${PEER_DOMAIN}>;tag=${bobTag}`,
        `To: ${alice};tag=w1`,
        `Call-ID: ${peerCallId}`,
        'CSeq: 1 NOTIFY',
        'Event: presence',
        'Subscription-State: active;expires=3600',
        `Contact: <sip:bob@${lab.ns.worldAddress}:${lab.peer.port};transport=tls>`,
        'Content-Type: application/pidf+xml',
      ],
      pidf(`sip:bob@${PEER_DOMAIN}`),
    ),
  );
  expect(statusOf(notified)).toBe(200);
  const notifyInside = await phone.waitFor((m) => methodOf(m) === 'NOTIFY');
  expect(callIdOf(notifyInside)).toBe(inside.subscribe);

  // A subscription the peer starts with the built-in presence server: its NOTIFY goes out.
  const watched = await peerSends(
    sip([
      `SUBSCRIBE sip:${USERS.registered}@${LOCAL_DOMAIN} SIP/2.0`,
      `Via: SIP/2.0/TLS ${lab.ns.worldAddress}:${lab.peer.port};branch=z9hG4bK-s1`,
      'Max-Forwards: 70',
      `From: <sip:carol@${PEER_DOMAIN}>;tag=c1`,
      `To: ${alice}`,
      'Call-ID: peer-watch-1@b.example.net',
      'CSeq: 1 SUBSCRIBE',
      `Contact: <sip:carol@${lab.ns.worldAddress}:${lab.peer.port};transport=tls>`,
      'Event: presence',
      'Accept: application/pidf+xml',
      'Expires: 3600',
    ]),
  );
  expect(statusOf(watched)).toBe(200);
  await arrivedAtPeer('NOTIFY', 'peer-watch-1@b.example.net');
  for (const arrived of lab.peer.arrived) peerSaw.push(arrived.text);
  record = await lab.finish();
}, 120_000);

afterAll(async () => {
  phone?.close();
  peerClient?.close();
  await lab?.cleanup();
});

describe('I4 topology hiding, captured at the border', () => {
  it("I4 lets nothing that names the phone, and no Call-ID it wrote, reach the peer: MESSAGE, a subscription either side starts, the built-in presence server's NOTIFY", () => {
    const methods = peerSaw.map((text) => methodOf(text) ?? String(statusOf(text)));
    expect(methods).toEqual(expect.arrayContaining(['MESSAGE', 'SUBSCRIBE', 'NOTIFY', '200']));
    const edgeExternal = `${lab.ns.edgeAddress}:${EDGE_PORTS.external}`;
    for (const text of peerSaw) {
      expect(text, text).not.toContain(inside.message);
      expect(text, text).not.toContain(inside.subscribe);
      expect(text, text).not.toContain(`:${phone.port}`);
      for (const entry of headerValues(text, 'Record-Route')) expect(entry, text).toContain(edgeExternal);
      if (methodOf(text) === undefined) continue;
      const vias = headerValues(text, 'Via', 'v').flatMap((line) => line.split(','));
      expect(vias, text).toHaveLength(1);
      expect(vias[0], text).toContain(edgeExternal);
    }
  });

  // Towards the peer only TLS leaves, so this holds with hiding off too: the check above, on what the
  // peer decrypts, is the one hiding makes pass. This one proves the capture saw the Call-IDs at all.
  it('I4 the capture finds a Call-ID the phone wrote in no packet but those to the phone', () => {
    for (const callId of Object.values(inside)) {
      const carrying = record.packets.filter((p) => p.payload.includes(callId));
      expect(carrying.length, callId).toBeGreaterThan(0);
      expect(
        carrying.filter((p) => p.destination.address !== phone.address || p.destination.port !== phone.port),
      ).toEqual([]);
    }
  });
});

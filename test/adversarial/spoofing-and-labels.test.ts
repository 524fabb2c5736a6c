// The spoofing hunt (B2, B3, B4). Both sides lie to one running
// `simple-edge start`: softphones of the community over UDP and TCP, and the allowed peer
// b.example.net over its own mutual-TLS connection, write Via hosts (an unrelated IP literal, a
// name only this run invents, a client-supplied received/rport), Contact and Record-Route hosts,
// and From domains, user parts and methods that are new in every request.
//   - B3: every answer reaches the source (the softphone's address and port; the peer's own
//     connection), and tcpdump sees no packet, connection or DNS query for any host they named;
//   - B2: a request whose From the peer is not authenticated for is refused (F7) and delivered to
//     nobody;
//   - B4: after N requests with N distinct attacker-chosen values, /metrics has at most a small
//     constant number of new series and no label value any request wrote; the audit line's `peer`
//     is the authenticated domain (or one fixed value), and no log or audit field name is chosen
//     by a request.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_DOMAIN, PEER_DOMAIN } from '../support/edge-harness.js';
import { BorderLab, EDGE_PORTS, edgeLogFor, USERS, type LabRecord } from './border-lab.js';
import { clientsKey, egressViolations, type Violation } from './egress-rule.js';
import type { PeerClient } from './peer-edge.js';
import { caseAddress, caseName, SPOOFED_SENT_BY_PORT } from './request-addressing.js';
import { openSoftphone, type ClientTransport } from './softphone.js';

/** Attacker-chosen values per side; the metric series may grow by at most SERIES_ALLOWANCE. */
const N = 40;
const SERIES_ALLOWANCE = 12;
const ANSWER_MS = 3_000;
/** Case numbers of the peer's requests, apart from the softphones' (attribution by Call-ID and address). */
const PEER_BASE = 1_000;

type ViaSpoof = 'ip' | 'name' | 'received';
const VIA_SPOOFS: readonly ViaSpoof[] = ['ip', 'name', 'received'];

interface Sent {
  readonly index: number;
  readonly side: 'internal' | 'peer';
  readonly what: string;
  readonly final: string | undefined;
  readonly start: number;
  readonly end: number;
  /** The peer's From domain was one it is authenticated for. */
  readonly authenticFrom?: boolean;
}

let lab: BorderLab;
let token: string;
let peer: PeerClient;
const sent: Sent[] = [];
let seriesBefore: Set<string>;
let seriesAfter: Set<string>;
let record: LabRecord;
let violations: Violation[] = [];
/** Source port of each softphone → its request's number. */
const softphones = new Map<string, number>();
const caseSoftphones = new Map<number, string>();

const callId = (index: number) => `adv-${token}-${index}`;

function viaHost(spoof: ViaSpoof, index: number, transport: string, source: string): string {
  const branch = `branch=z9hG4bK-${token}-${index}`;
  if (spoof === 'ip') return `SIP/2.0/${transport} ${caseAddress(index)}:${SPOOFED_SENT_BY_PORT};${branch};rport`;
  if (spoof === 'name')
    return `SIP/2.0/${transport} ${caseName('via', { index, token })}:${SPOOFED_SENT_BY_PORT};${branch};rport`;
  return `SIP/2.0/${transport} ${source};${branch};received=${caseAddress(index)};rport=${SPOOFED_SENT_BY_PORT}`;
}

/** A request whose every header value an attacker chose, unique to `index`. */
function hostileRequest(options: {
  index: number;
  method: string;
  target: string;
  via: string;
  fromDomain: string;
}): string {
  const { index } = options;
  const body = options.method === 'MESSAGE' ? 'spoofed' : '';
  return [
    `${options.method} ${options.target} SIP/2.0`,
    `Via: ${options.via}`,
    'Max-Forwards: 70',
    `Record-Route: <sip:${caseName('rr', { index, token })};lr>`,
    `From: <sip:u${token}x${index}@${options.fromDomain}>;tag=f${index}`,
    `To: <${options.target}>`,
    `Call-ID: ${callId(index)}`,
    `CSeq: 1 ${options.method}`,
    `Contact: <sip:c${index}@${index % 2 === 0 ? caseName('contact', { index, token }) : `${caseAddress(index)}:5060`}>`,
    ...(options.method === 'SUBSCRIBE' ? ['Event: presence', 'Expires: 600'] : []),
    ...(body === '' ? [] : ['Content-Type: text/plain']),
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

/** Methods a request may invent (RFC 3261 extension-method: a token). */
function inventedMethod(index: number): string {
  return `X${token.toUpperCase()}M${index}`;
}

async function fromSoftphone(
  index: number,
  transport: ClientTransport,
  options: { method: string; target: string; fromDomain: string; spoof: ViaSpoof },
): Promise<void> {
  const phone = await openSoftphone({ transport, address: lab.ns.worldAddress, edge: lab.edgeInternal });
  softphones.set(clientsKey(transport, phone.port), index);
  caseSoftphones.set(index, clientsKey(transport, phone.port));
  const via = viaHost(options.spoof, index, transport.toUpperCase(), `${lab.ns.worldAddress}:${phone.port}`);
  const start = Date.now();
  const exchange = await phone.exchange(hostileRequest({ index, via, ...options }), callId(index), ANSWER_MS);
  sent.push({
    index,
    side: 'internal',
    what: `${transport.toUpperCase()} ${options.method} ${options.target} via=${options.spoof} from ${options.fromDomain}`,
    final: exchange.final,
    start,
    end: Date.now(),
  });
}

async function fromPeer(
  index: number,
  options: { method: string; fromDomain: string; spoof: ViaSpoof },
): Promise<void> {
  const via = viaHost(options.spoof, index, 'TLS', `${caseName('via', { index, token })}:5061`);
  const target = `sip:${USERS.registered}@${LOCAL_DOMAIN}`;
  const start = Date.now();
  const final = await peer.send(hostileRequest({ index, via, target, ...options }), callId(index), ANSWER_MS);
  sent.push({
    index,
    side: 'peer',
    what: `peer TLS ${options.method} ${target} via=${options.spoof} from ${options.fromDomain}`,
    final,
    start,
    end: Date.now(),
    authenticFrom: options.fromDomain === PEER_DOMAIN,
  });
}

const RUNTIME_SERIES = /^simple_edge_(nodejs|process)_/;

/**
 * Every series of the scrape (its name and labels, without the value), less the Node runtime's own
 * (`simple_edge_nodejs_*`, `simple_edge_process_*`): those are labelled by the runtime (a GC kind, a
 * handle type) and appear when the runtime first does such a thing, whatever the requests were.
 */
function seriesOf(scrape: string): Set<string> {
  return new Set(
    scrape
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#') && !RUNTIME_SERIES.test(line))
      .map((line) => line.slice(0, line.lastIndexOf(' '))),
  );
}

beforeAll(async () => {
  lab = await BorderLab.start('adversarial-spoofing');
  token = lab.ns.name.slice('se-adv-'.length);
  peer = await lab.connectAsPeer();
  // Warm-up: one of each kind of request with fixed values, so every legitimate series exists.
  const warm = [
    () =>
      fromSoftphone(900, 'udp', {
        method: 'MESSAGE',
        target: `sip:bob@${PEER_DOMAIN}`,
        fromDomain: 'warm-up.invalid',
        spoof: 'ip',
      }),
    () =>
      fromSoftphone(901, 'tcp', {
        method: 'XWARMUP',
        target: `sip:${USERS.registered}@${LOCAL_DOMAIN}`,
        fromDomain: LOCAL_DOMAIN,
        spoof: 'name',
      }),
    () =>
      fromSoftphone(902, 'udp', {
        method: 'MESSAGE',
        target: `sip:bob@${PEER_DOMAIN}`,
        fromDomain: LOCAL_DOMAIN,
        spoof: 'received',
      }),
    () => fromPeer(PEER_BASE - 1, { method: 'MESSAGE', fromDomain: 'warm-up.invalid', spoof: 'ip' }),
    () => fromPeer(PEER_BASE - 2, { method: 'MESSAGE', fromDomain: PEER_DOMAIN, spoof: 'name' }),
    () => fromPeer(PEER_BASE - 3, { method: 'XWARMUP', fromDomain: PEER_DOMAIN, spoof: 'received' }),
  ];
  for (const send of warm) await send();
  seriesBefore = seriesOf(await lab.metrics());

  const attacks: Array<() => Promise<void>> = [];
  for (let i = 0; i < N; i++) {
    const spoof = VIA_SPOOFS[i % VIA_SPOOFS.length]!;
    const method = i % 4 === 3 ? inventedMethod(i) : (['MESSAGE', 'SUBSCRIBE', 'OPTIONS'] as const)[i % 3]!;
    const target = i % 2 === 0 ? `sip:bob${i}@${PEER_DOMAIN}` : `sip:${USERS.registered}@${LOCAL_DOMAIN}`;
    const fromDomain = i % 2 === 0 ? caseName('from', { index: i, token }) : LOCAL_DOMAIN;
    attacks.push(() => fromSoftphone(i, i % 3 === 0 ? 'tcp' : 'udp', { method, target, fromDomain, spoof }));
    const peerIndex = PEER_BASE + i;
    attacks.push(() =>
      fromPeer(peerIndex, {
        method: i % 4 === 3 ? inventedMethod(peerIndex) : (['MESSAGE', 'SUBSCRIBE', 'OPTIONS'] as const)[i % 3]!,
        fromDomain: i % 3 === 0 ? PEER_DOMAIN : caseName('from', { index: peerIndex, token }),
        spoof,
      }),
    );
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < attacks.length; i = next++) await attacks[i]!();
    }),
  );
  seriesAfter = seriesOf(await lab.metrics());
  peer.close();
  record = await lab.finish();
  violations = egressViolations(record.packets, {
    edge: lab.ns.edgeAddress,
    world: lab.ns.worldAddress,
    peerPort: lab.peer.port,
    resolver: { address: lab.ns.worldAddress, port: lab.bind9.port },
    phonePort: lab.phone.address.port,
    edgePorts: Object.values(EDGE_PORTS),
    internalPort: EDGE_PORTS.internal,
    token,
    clients: softphones,
    caseClients: caseSoftphones,
    honestContacts: new Set(),
    windows: sent.map((s) => ({ index: s.index, start: s.start, end: s.end })),
  });
}, 180_000);

afterAll(async () => {
  peer?.close();
  await lab?.cleanup();
});

function describeSent(index: number): string {
  const s = sent.find((x) => x.index === index);
  if (s === undefined) return `#${index}`;
  const log =
    s.final === undefined
      ? edgeLogFor(record, callId(index))
          .map((line) => `\n      edge log: ${line}`)
          .join('')
      : '';
  return `#${index} ${s.what} (got: ${s.final?.split('\r\n')[0] ?? 'no final response'})${log}`;
}

function violationLines(side: Sent['side']): string[] {
  const ofSide = (i: number) => sent.find((s) => s.index === i)?.side === side;
  return violations
    .filter((v) => (v.caseIndex !== undefined ? ofSide(v.caseIndex) : v.candidates.some(ofSide)))
    .map((v) =>
      v.caseIndex !== undefined
        ? `${describeSent(v.caseIndex)}\n    edge ${v.what}`
        : `edge ${v.what}\n    while in flight: ${v.candidates.map(describeSent).join('; ')}`,
    );
}

describe('B2 B3 B4 spoofed fields from both sides of a running edge', () => {
  it('B3 answers to softphones with spoofed Via, Contact and Record-Route reach their source address and port', () => {
    const internal = sent.filter((s) => s.side === 'internal');
    expect(internal).toHaveLength(N + 3);
    const lost = internal.filter((s) => s.final === undefined).map((s) => describeSent(s.index));
    expect(lost, `no final response at the source:\n${lost.join('\n')}`).toEqual([]);
  });

  it("B3 nothing went to, and no DNS query asked for, a host a softphone's request named", () => {
    const lines = violationLines('internal');
    expect(lines, `${lines.length} violations:\n${lines.join('\n')}`).toEqual([]);
  });

  it('B2 B3 a hostile peer is answered over its own mutual-TLS connection, and its spoofed fields steer nothing', () => {
    const unanswered = sent.filter((s) => s.side === 'peer' && s.final === undefined).map((s) => describeSent(s.index));
    const lines = violationLines('peer');
    expect([...unanswered.map((l) => `no final response on the connection: ${l}`), ...lines], lines.join('\n')).toEqual(
      [],
    );
  });

  it('B1 nothing reached the peer in cleartext', () => {
    expect(lab.trap.arrived.map((a) => `${a.callId} over plain ${a.transport.toUpperCase()}`)).toEqual([]);
  });

  it('B2 F7 a request from the peer with a From domain it is not authenticated for is refused 403 and delivered to nobody', () => {
    const spoofed = sent.filter((s) => s.side === 'peer' && s.authenticFrom === false);
    expect(spoofed.length).toBeGreaterThan(N / 2);
    const wrong = spoofed.filter((s) => !/^SIP\/2\.0 403 /.test(s.final ?? '')).map((s) => describeSent(s.index));
    const delivered = spoofed
      .filter((s) => lab.phone.delivered.some((d) => d.callId === callId(s.index)))
      .map((s) => describeSent(s.index));
    expect({ notRefused403: wrong, delivered }).toEqual({ notRefused403: [], delivered: [] });
  });

  it(`B4 ${N} distinct attacker-chosen From domains, users and methods per side add at most ${SERIES_ALLOWANCE} series to /metrics and no label value`, () => {
    const added = [...seriesAfter].filter((series) => !seriesBefore.has(series));
    const chosen = added.filter((series) => series.toLowerCase().includes(token));
    expect(
      chosen,
      `series labelled with request-chosen values:\n${chosen.slice(0, 20).join('\n')}${chosen.length > 20 ? `\n… ${chosen.length - 20} more` : ''}`,
    ).toEqual([]);
    expect(added.length, `new series:\n${added.join('\n')}`).toBeLessThanOrEqual(SERIES_ALLOWANCE);
  });

  it("B4 F7 the audit line's peer is the authenticated domain, and no audit or log field name is request-chosen", () => {
    const peerLines = record.audit.filter((line) => line.direction === 'inbound');
    expect(peerLines.length).toBeGreaterThan(0);
    const wrongPeer = peerLines
      .filter((line) => line.peer !== PEER_DOMAIN && line.peer !== 'unauthenticated')
      .map((line) => `${line.callId}: peer=${line.peer}`);
    expect(wrongPeer, `audit peer values a request chose:\n${wrongPeer.join('\n')}`).toEqual([]);
    const fieldNames = new Set<string>();
    for (const line of record.audit) Object.keys(line).forEach((key) => fieldNames.add(key));
    for (const line of record.edgeOutput.split('\n').filter((l) => l.startsWith('{'))) {
      try {
        Object.keys(JSON.parse(line) as object).forEach((key) => fieldNames.add(key));
      } catch {
        // a line pino split is no field set
      }
    }
    expect([...fieldNames].filter((name) => name.toLowerCase().includes(token))).toEqual([]);
  });
});

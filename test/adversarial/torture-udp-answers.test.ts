// Y4 and B3 on the wire: every RFC 4475 / RFC 5118 torture message is sent over UDP, as it is
// (its Vias name hosts that are not the sender), from a test socket to a running `simple-edge start`
// process; the valid requests are sent once more with `rport` on their top Via. A capture (tcpdump,
// read back with tshark) holds every datagram the edge sent, every DNS query of the machine and
// every packet towards an address a Via names. Each answer must reach the sender's address — its
// port when the top Via asks with rport (RFC 3581), the Via's sent-by port otherwise (RFC 3261
// §18.2.2) — with `received` and `rport` filled in; no packet and no DNS query may go to a host a
// Via names; requests are answered (400 to the malformed), responses never.

import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CORPUS_MISSING, loadTortureCorpus } from '../conformance/torture-corpus.js';
import { EdgeProcess, ensureBuilt } from '../support/edge-process.js';
import { LOCAL_DOMAIN, LOOPBACK, makeCertificates, PortAllocator } from '../support/edge-harness.js';
import { PacketCapture, type CapturedPacket } from '../support/packet-capture.js';
import { PrivateResolver } from '../support/private-resolver.js';
import { responseStatus, topVia, transactionKey, unmapped } from './sip-wire-text.js';
import { expectedPort, statusAllowed, udpCase, viaHosts, withRport, type UdpCase } from './torture-cases.js';

/** How long a request may take to be answered, and how long silence is listened to. */
const ANSWER_WAIT_MS = 1_500;
const SILENCE_WAIT_MS = 600;

interface Heard {
  readonly time: number;
  readonly text: string;
}

interface Sent {
  readonly testCase: UdpCase;
  readonly time: number;
  /** The port it was sent from: each case from a socket of its own, so no two share a flow. */
  readonly port: number;
}

const corpus = loadTortureCorpus();
const cases: UdpCase[] =
  corpus === undefined
    ? []
    : [
        ...corpus.map((c) => udpCase(c.name, c)),
        ...corpus.flatMap((c) => {
          const bytes = withRport(c);
          return bytes === undefined ? [] : [udpCase(`${c.name} with rport`, c, bytes)];
        }),
      ];

let workDir: string;
let edge: EdgeProcess | undefined;
let resolver: PrivateResolver | undefined;
let capture: PacketCapture | undefined;
let edgePort: number;
let sourcePort: number;
const catchers: Socket[] = [];
const heard: Heard[] = [];
const sent: Sent[] = [];
let packets: CapturedPacket[] = [];

/** The edge's datagrams, each with the case it answers (the latest sent with its key), if any. */
let answers: Array<{ packet: CapturedPacket; text: string; testCase: UdpCase | undefined }> = [];

beforeAll(async () => {
  if (corpus === undefined) return;
  await ensureBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-torture-udp-'));
  const base = new PortAllocator().take(4);
  edgePort = base;
  sourcePort = base + 3;
  const certificates = makeCertificates(path.join(workDir, 'certs'));
  const own = certificates.byDomain[LOCAL_DOMAIN]!;
  writeFileSync(
    path.join(workDir, 'edge.yaml'),
    stringify({
      domains: [LOCAL_DOMAIN],
      listen: {
        internal: [
          { transport: 'udp', address: LOOPBACK, port: edgePort },
          { transport: 'tcp', address: LOOPBACK, port: edgePort },
        ],
        external: [{ transport: 'tls', address: LOOPBACK, port: base + 1 }],
      },
      tls: { certificates: [{ domain: LOCAL_DOMAIN, cert: own.cert, key: own.key }], ca: certificates.ca },
      state: { backend: 'memory' },
      // Fetching peers' policy documents would ask DNS for their names: not what this test watches for.
      policyDocument: { fetch: false },
      admin: { listen: `${LOOPBACK}:${base + 2}` },
      log: { level: 'warn' },
    }),
  );
  // Its system resolver is its own, so the capture tells its DNS queries from other programs', and
  // every name it looks up leads to the sink: a datagram steered by a Via name shows there.
  resolver = await PrivateResolver.start(workDir);
  edge = await EdgeProcess.start({ cwd: workDir, configFile: 'edge.yaml', listeners: 3, wrapper: resolver.wrapper });
  capture = await PacketCapture.start({ workDir, name: 'torture-udp', filter: captureFilter() });
  await openCatchers();
  for (const testCase of cases) await exchange(testCase);
  // Late retransmissions of INVITE answers (Timer G) still belong to their case: wait for the last ones.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  packets = await capture.stop();
  capture = undefined;
  answers = attribute(
    packets.filter((p) => p.protocol === 'udp' && p.source.port === edgePort && p.source.address === LOOPBACK),
  );
}, 600_000);

afterAll(async () => {
  await capture?.stop().catch(() => undefined);
  for (const socket of catchers) socket.close();
  await edge?.kill('SIGKILL');
  await resolver?.close();
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined && workDir !== undefined)
    rmSync(workDir, { recursive: true, force: true });
});

/** The edge's UDP port, its DNS queries, the sink names resolve to, and any packet towards an address a Via names. */
function captureFilter(): string {
  const literals = [...viaHosts(cases)].map(unmapped).filter((host) => isIP(host) !== 0);
  const towardsVias = literals.map((address) => `dst host ${address}`).join(' or ');
  return `(host ${resolver!.address} and port 53) or host ${resolver!.sinkAddress} or (udp and host ${LOOPBACK} and port ${edgePort}) or (${towardsVias})`;
}

/** The sending socket, plus one on 127.0.0.1 at each sent-by port an answer may be due on. */
async function openCatchers(): Promise<void> {
  const ports = new Set([sourcePort, ...cases.map((c) => expectedPort(c.via, sourcePort))]);
  for (const port of ports) {
    const socket = createSocket('udp4');
    socket.on('message', (datagram) => heard.push({ time: Date.now(), text: datagram.toString('latin1') }));
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, LOOPBACK, () => resolve(true));
    });
    // A sent-by port another program holds only means its answers are read from the capture alone.
    if (bound) catchers.push(socket);
    else if (port === sourcePort) throw new Error(`cannot bind the sending socket to ${LOOPBACK}:${port}`);
    else socket.close();
  }
}

/**
 * Sends one case from a socket of its own and returns once it is answered or the wait is over. The
 * corpus reuses branches and sent-bys across messages (cparam01/cparam02 …): from one socket, a later
 * one would rightly be absorbed as a retransmission of an earlier transaction (RFC 3261 §17.2.3).
 */
async function exchange(testCase: UdpCase): Promise<void> {
  const socket = createSocket('udp4');
  const own: Heard[] = [];
  socket.on('message', (datagram) => {
    const entry = { time: Date.now(), text: datagram.toString('latin1') };
    heard.push(entry);
    own.push(entry);
  });
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  catchers.push(socket);
  const time = Date.now();
  sent.push({ testCase, time, port: socket.address().port });
  // RFC 5118's messages share Call-ID, CSeq and branch: with rport only an answer at this socket is this case's.
  const candidates = testCase.via?.params.has('rport') === true ? own : heard;
  socket.send(testCase.bytes, edgePort, LOOPBACK);
  const wait = testCase.answer === 'required' ? ANSWER_WAIT_MS : SILENCE_WAIT_MS;
  const deadline = time + wait;
  while (Date.now() < deadline) {
    const answered = candidates.some(
      (h) => h.time >= time && (responseStatus(h.text) ?? 0) >= 200 && transactionKey(h.text) === testCase.key,
    );
    if (answered && testCase.answer === 'required') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The port a case was sent from. */
function sourcePortOf(testCase: UdpCase): number {
  return sent.findLast((s) => s.testCase === testCase)?.port ?? sourcePort;
}

function attribute(datagrams: CapturedPacket[]): typeof answers {
  return datagrams.map((packet) => {
    const text = packet.payload.toString('latin1');
    const key = transactionKey(text);
    // RFC 5118's messages share Call-ID, CSeq and branch: an answer at a case's own socket is that case's.
    const bySocket = sent.find((s) => s.port === packet.destination.port && s.testCase.key === key);
    const candidates = sent.filter((s) => s.time <= packet.time && s.testCase.key === key);
    return { packet, text, testCase: (bySocket ?? candidates.at(-1))?.testCase };
  });
}

function answersTo(testCase: UdpCase): typeof answers {
  return answers.filter((a) => a.testCase === testCase);
}

/** Where the answers went, for a failing test's message. */
function describeAnswers(list: typeof answers): string {
  if (list.length === 0) return 'the edge sent nothing for it';
  return list
    .map(
      (a) =>
        `${a.text.slice(0, a.text.indexOf('\r\n'))} → ${a.packet.destination.address}:${a.packet.destination.port}`,
    )
    .join('; ');
}

if (corpus === undefined) {
  describe('Y4 B3 torture messages over UDP to a running edge', () => {
    it.skip(CORPUS_MISSING, () => {});
  });
} else {
  describe('Y4 B3 RFC 4475/5118 torture messages over UDP are answered where RFC 3261 §18.2.2 and RFC 3581 send them', () => {
    for (const testCase of cases) {
      const title =
        testCase.answer === 'forbidden'
          ? 'a response: MUST NOT be answered'
          : testCase.answer === 'optional'
            ? `answered ${testCase.rule} if at all, at the source address`
            : `answered ${testCase.rule} at the source address`;
      it(`Y4 B3 ${testCase.name}: ${title}`, () => {
        const mine = answersTo(testCase);
        if (testCase.answer === 'forbidden') {
          expect(
            mine.map((a) => a.text.slice(0, 40)),
            'RFC 3261 §18.1.2: a stray response is discarded, never answered',
          ).toEqual([]);
          return;
        }
        const finals = mine.filter((a) => (responseStatus(a.text) ?? 0) >= 200);
        if (testCase.answer === 'required')
          expect(finals.length, `no final answer on the wire: ${describeAnswers(mine)}`).toBeGreaterThan(0);
        const port = expectedPort(testCase.via, sourcePortOf(testCase));
        for (const answer of mine) {
          const to = `${answer.packet.destination.address}:${answer.packet.destination.port}`;
          expect(to, `answer sent to ${to}, not ${LOOPBACK}:${port} (${describeAnswers(mine)})`).toBe(
            `${LOOPBACK}:${port}`,
          );
          expectViaStamped(answer.text, testCase);
        }
        for (const answer of finals)
          expect(
            statusAllowed(testCase.rule, responseStatus(answer.text)!),
            `${describeAnswers(finals)} against ${testCase.rule}`,
          ).toBe(true);
      });
    }

    it('B3 nothing is sent to, or looked up for, a host a Via names', () => {
      const hosts = viaHosts(cases);
      const own = new Set(
        Object.values(networkInterfaces())
          .flat()
          .map((i) => i?.address)
          .filter((a) => a !== undefined),
      );
      const lookedUp = packets.filter(
        (p) =>
          p.destination.address === resolver!.address &&
          p.dnsQuery !== undefined &&
          hosts.has(p.dnsQuery.toLowerCase().replace(/\.$/, '')),
      );
      expect.soft([...new Set(lookedUp.map((p) => p.dnsQuery))], 'DNS queries for names the Vias wrote').toEqual([]);
      // SIP ports on a Via's address; this machine's own addresses are judged by where the edge's datagrams went.
      const sipPorts = new Set([5060, 5061, ...cases.map((c) => c.via?.port).filter((p) => p !== undefined)]);
      // A Via name, once looked up, leads to the sink: anything sent there was steered by a Via.
      const towardsVias = packets.filter(
        (p) =>
          p.destination.address === resolver!.sinkAddress ||
          (hosts.has(unmapped(p.destination.address)) &&
            !own.has(p.destination.address) &&
            sipPorts.has(p.destination.port)),
      );
      expect
        .soft(
          towardsVias.map((p) => `${p.protocol} ${p.destination.address}:${p.destination.port}`),
          'packets and connections to addresses the Vias wrote',
        )
        .toEqual([]);
    });

    it('B1 Y4 every datagram the edge sent is a response to one of the requests, sent to 127.0.0.1', () => {
      const strays = answers.filter(
        (a) =>
          a.testCase === undefined || responseStatus(a.text) === undefined || a.packet.destination.address !== LOOPBACK,
      );
      expect(
        strays.map((a) => `${a.text.slice(0, 60)} → ${a.packet.destination.address}:${a.packet.destination.port}`),
      ).toEqual([]);
      expect(answers.length, "the capture holds the edge's answers").toBeGreaterThan(0);
    });

    it('Y4 the edge is still running after the corpus', () => {
      expect(edge?.pid).toBeDefined();
      expect(() => process.kill(edge!.pid!, 0)).not.toThrow();
    });
  });
}

/**
 * RFC 3261 §18.2.1 and RFC 3581 §4, checked on the answer's top Via: `received` with the source
 * address when the sent-by host differs from it, `rport` filled with the source port when asked for.
 */
function expectViaStamped(answerText: string, testCase: UdpCase): void {
  const via = topVia(answerText);
  const asked = testCase.via;
  if (asked === undefined || via === undefined) return;
  const label = `${testCase.name}: top Via of the answer is ${via.host}:${via.port ?? ''} ${[...via.params].map(([k, v]) => `${k}=${v}`).join(';')}`;
  if (unmapped(asked.host) !== LOOPBACK) expect(via.params.get('received'), label).toBe(LOOPBACK);
  else if (via.params.has('received')) expect(via.params.get('received'), label).toBe(LOOPBACK);
  if (asked.params.has('rport')) expect(via.params.get('rport'), label).toBe(String(sourcePortOf(testCase)));
}

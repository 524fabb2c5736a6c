// SPEC I7 with Y4: the RFC 4475 / RFC 5118 torture messages over WebSocket framing (RFC 7118 §5: one
// SIP message per WebSocket message, so each is judged as a datagram is). Every malformed request
// is answered with its 4xx over its own connection, responses are never answered, valid requests never
// get 400 — and then, as a property over any sequence of WebSocket frames, the edge stays up and answers
// a valid request.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Edge } from '../../src/edge.js';
import { udpCase, statusAllowed, type UdpCase } from '../adversarial/torture-cases.js';
import { LOCAL_DOMAIN, LOOPBACK, PEER_DOMAIN, PortAllocator, startEdge, stopEdge } from '../support/edge-harness.js';
import { testCertificates } from '../support/test-certificates.js';
import { CORPUS_MISSING, loadTortureCorpus } from './torture-corpus.js';

/** After the probe's answer, how long a late answer to a torture message is still listened for. */
const LATE_ANSWER_MS = 300;

let edge: Edge;
let url: string;

beforeAll(async () => {
  const allocator = new PortAllocator();
  const [wsPort, tlsPort, adminPort] = [allocator.take(), allocator.take(), allocator.take()];
  const certs = testCertificates();
  edge = await startEdge({
    yaml: [
      `domains: [${LOCAL_DOMAIN}]`,
      'listen:',
      `  internal: [{ transport: ws, address: ${LOOPBACK}, port: ${wsPort} }]`,
      `  external: [{ transport: tls, address: ${LOOPBACK}, port: ${tlsPort} }]`,
      'internal: { registrar: builtin, presence: builtin }',
      'routes: []',
      // D1 closed federation: no torture message makes the edge look up the hosts it names.
      `discovery: { allow: [${PEER_DOMAIN}] }`,
      'state: { backend: memory }',
      `admin: { listen: "${LOOPBACK}:${adminPort}" }`,
      'log: { level: error }',
      '',
    ].join('\n'),
    tls: { ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
  });
  url = `ws://${LOOPBACK}:${wsPort}/`;
});

afterAll(async () => {
  if (edge !== undefined) await stopEdge(edge);
});

interface Connection {
  readonly socket: WebSocket;
  readonly heard: string[];
}

function connect(): Promise<Connection> {
  const socket = new WebSocket(url, ['sip']);
  const heard: string[] = [];
  socket.on('message', (data) => heard.push(Buffer.from(data as Buffer).toString('latin1')));
  socket.on('error', () => {}); // a connection the edge closes (1007, 1009) is part of what is tested
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, heard }));
    socket.once('unexpected-response', () => reject(new Error('upgrade refused')));
  });
}

function probe(callId: string): string {
  return [
    `OPTIONS sip:${LOCAL_DOMAIN} SIP/2.0`,
    `Via: SIP/2.0/WS probe.invalid;branch=z9hG4bK-${callId}`,
    'Max-Forwards: 70',
    `From: <sip:probe@${LOCAL_DOMAIN}>;tag=p`,
    `To: <sip:${LOCAL_DOMAIN}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    '',
    '',
  ].join('\r\n');
}

/** Resolves with the status of the probe's answer on `connection`; rejects after a while without one. */
async function probed(connection: Connection, callId: string): Promise<number> {
  connection.socket.send(probe(callId));
  for (let i = 0; i < 1000; i++) {
    const answer = connection.heard.find((text) => text.includes(`Call-ID: ${callId}`));
    if (answer !== undefined) return Number(/^SIP\/2\.0 (\d{3})/.exec(answer)?.[1]);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no answer to ${callId}`);
}

const corpus = loadTortureCorpus();

if (corpus === undefined) {
  describe('I7 SIP torture messages over WebSocket', () => {
    it.skip(CORPUS_MISSING, () => {});
  });
} else {
  describe('I7 SIP torture messages over WebSocket (RFC 4475, RFC 5118, RFC 7118 §5)', () => {
    const cases = corpus.map((c) => udpCase(c.name, c));

    it('I7 answers every request over its connection, each malformed one 4xx, a valid one never 400, a response never', async () => {
      const sent = await Promise.all(
        cases.map(async (testCase) => {
          const connection = await connect();
          connection.socket.send(testCase.bytes, { binary: testCase.name.startsWith('mpart') });
          return { testCase, connection };
        }),
      );
      // The probe on each connection comes after its torture message: both are read in order.
      for (const { connection, testCase } of sent) expect(await probed(connection, `after-${testCase.name}`)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, LATE_ANSWER_MS));
      const problems = sent.flatMap(({ testCase, connection }) => judge(testCase, connection.heard));
      for (const { connection } of sent) connection.socket.terminate();
      expect(problems).toEqual([]);
    });
  });
}

/** What is wrong with the answers a torture message got, in words; empty when they are right. */
function judge(testCase: UdpCase, heard: readonly string[]): string[] {
  const answers = heard.filter((text) => !text.includes('Call-ID: after-'));
  const statuses = answers.map((text) => Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1]));
  if (testCase.answer === 'forbidden')
    return statuses.length === 0 ? [] : [`${testCase.name}: a response was answered ${statuses.join(',')}`];
  if (testCase.answer === 'required' && statuses.length === 0) return [`${testCase.name}: request never answered`];
  return statuses
    .filter((status) => status >= 200 && !statusAllowed(testCase.rule, status))
    .map((status) => `${testCase.name}: answered ${status}, rule ${testCase.rule}`);
}

/** A WebSocket frame: text, binary, a valid message cut or spliced, or bytes that are not UTF-8 as text. */
const frame = fc.oneof(
  fc.string({ maxLength: 300 }).map((text) => ({ data: Buffer.from(text), binary: false })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ data: Buffer.from(bytes), binary: true })),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => ({ data: Buffer.from(bytes), binary: false })),
  fc
    .tuple(fc.nat({ max: 200 }), fc.string({ maxLength: 40 }))
    .map(([cut, noise]) => ({ data: Buffer.from(probe('fuzz').slice(0, cut) + noise), binary: false })),
  fc.constantFrom(...(corpus ?? []).map((c) => ({ data: c.bytes, binary: true }))),
);

describe('I7 any sequence of WebSocket frames', () => {
  it('I7 keeps the edge alive and answering valid requests, whatever frames a client sends', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 12 }), async (frames) => {
        const callId = `property-${++run}`;
        const fuzzer = await connect();
        for (const { data, binary } of frames) fuzzer.socket.send(data, { binary });
        // On the same connection when the edge kept it open (it closes on text that is not UTF-8), else a new one.
        const open = await new Promise<boolean>((resolve) =>
          setTimeout(() => resolve(fuzzer.socket.readyState === WebSocket.OPEN), 20),
        );
        const connection = open ? fuzzer : await connect();
        const status = await probed(connection, callId);
        fuzzer.socket.terminate();
        connection.socket.terminate();
        return status === 200;
      }),
      { numRuns: 40 },
    );
  });
});

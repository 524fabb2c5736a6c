// SPEC Y5 with real sockets: two peers over mutual TLS, each known by its certificate. One floods far
// past what the edge admits (the capacity is made small through limits.overload), the other sends at a
// modest pace: the quiet peer is served, the flooder is shed with 503 and Retry-After. Shares, not times.

import { connect as connectTls, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimerWheel } from '../../../src/clock/timer-wheel.js';
import { parseConfigText } from '../../../src/config/load-config.js';
import type { AdmissionController } from '../../../src/overload/admission-controller.js';
import { createAdmissionController } from '../../../src/overload/create-admission-controller.js';
import { createResponse } from '../../../src/sip/create-response.js';
import { DEFAULT_PARSER_LIMITS } from '../../../src/sip/parser-limits.js';
import { TransportLayer } from '../../../src/transport/transport-layer.js';
import { TestPki, type IssuedFiles } from '../../support/test-pki.js';
import { sip } from '../../support/sip-text.js';

const FLOOD = 2000;
const QUIET = 20;

let pki: TestPki;
let edge: IssuedFiles;
let flooderCert: IssuedFiles;
let quietCert: IssuedFiles;
let clock: TimerWheel;
let admission: AdmissionController;
let layer: TransportLayer;
const sockets: TLSSocket[] = [];

beforeAll(async () => {
  pki = new TestPki();
  edge = pki.issue('edge', ['a.example.com']);
  flooderCert = pki.issue('flooder', ['flood.example.org']);
  quietCert = pki.issue('quiet', ['quiet.example.net']);
  clock = new TimerWheel({ tickMs: 5 });
  clock.start();
  // 1000 new requests a second, 100 an interval, shared among the peers that send.
  const parsed = parseConfigText(
    'domains: [a.example.com]\nlimits:\n  overload: { capacityPerSecond: 1000, intervalMs: 100, retryAfterSeconds: 9 }\n',
    'config.yaml',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  admission = createAdmissionController({ limits: parsed.config.limits, clock, pendingRequests: () => 0 });
  layer = new TransportLayer({
    listeners: [{ side: 'external', protocol: 'tls', address: '127.0.0.1', port: 0 }],
    tls: {
      cert: edge.cert,
      key: edge.key,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    limits: {
      parser: DEFAULT_PARSER_LIMITS,
      maxConnections: 10,
      maxPendingBytesPerConnection: 4_194_304,
      idleTimeoutMs: 60_000,
      handshakeTimeoutMs: 5000,
      maxHandshakesInProgress: 10,
      keepaliveIntervalMs: 0,
    },
    clock,
    // What stands for the proxy: every request admitted is answered 200.
    onMessage: (message, flow) => {
      if (message.kind === 'request') flow.send(createResponse(message, 200).toBuffer());
    },
    admission,
  });
  await layer.listen();
  admission.start();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  admission.stop();
  await layer.close();
  clock.stop();
  pki.dispose();
});

interface Peer {
  readonly socket: TLSSocket;
  answers(pattern: RegExp): number;
}

async function peer(files: IssuedFiles): Promise<Peer> {
  const port = layer.boundListeners[0]!.port;
  const socket = connectTls({
    host: '127.0.0.1',
    port,
    ca: pki.ca,
    cert: files.cert,
    key: files.key,
    servername: 'a.example.com',
    checkServerIdentity: () => undefined,
  });
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  await new Promise((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return { socket, answers: (pattern) => text.match(new RegExp(pattern, 'g'))?.length ?? 0 };
}

function request(domain: string, n: number): string {
  return [
    'MESSAGE sip:bob@a.example.com SIP/2.0',
    `Via: SIP/2.0/TLS edge.${domain}:5061;branch=z9hG4bK-${domain}-${n}`,
    'Max-Forwards: 70',
    `From: <sip:alice@${domain}>;tag=${n}`,
    'To: <sip:bob@a.example.com>',
    `Call-ID: ${n}@${domain}`,
    `CSeq: ${n} MESSAGE`,
    'Content-Type: text/plain',
    'Content-Length: 5',
    '',
    'hello',
  ].join('\n');
}

describe('Y5 one peer flooding does not take another peer’s share', () => {
  it('Y5 a quiet peer is answered 2xx while a flooding peer over mutual TLS is shed with 503 and Retry-After', async () => {
    const flooder = await peer(flooderCert);
    const quiet = await peer(quietCert);
    for (let batch = 0; batch < FLOOD; batch += 100) {
      const requests = Array.from({ length: 100 }, (_, i) => request('flood.example.org', batch + i + 1));
      flooder.socket.write(sip(requests.join('')));
    }
    // The quiet peer sends one request at a time, each after the answer to the one before.
    for (let n = 1; n <= QUIET; n++) {
      quiet.socket.write(sip(request('quiet.example.net', n)));
      await expect.poll(() => quiet.answers(/SIP\/2\.0 \d{3} /), { timeout: 10_000 }).toBe(n);
      await new Promise((resolve) => setTimeout(resolve, 20)); // a modest pace, well under its share
    }
    await expect.poll(() => flooder.answers(/SIP\/2\.0 (200|503) /), { timeout: 30_000, interval: 100 }).toBe(FLOOD);
    expect(quiet.answers(/SIP\/2\.0 200 /)).toBeGreaterThanOrEqual(0.9 * QUIET);
    const shed = flooder.answers(/SIP\/2\.0 503 /);
    // Reading pauses once the flooder is over its share, so much of its flood waits in TCP rather than
    // being shed: some 503s, not most, are what the share leaves.
    expect(shed).toBeGreaterThan(0);
    expect(flooder.answers(/\r\nRetry-After: 9\r\n/)).toBe(shed);
    expect(flooder.answers(/SIP\/2\.0 200 /)).toBeGreaterThan(0); // shed down to its share, not shut out
  }, 60_000);
});

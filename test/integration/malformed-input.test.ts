// Y4 against a real edge on loopback: broken requests over each transport get their error status
// (or, when the stream framing is lost, a closed connection), and after each the edge still answers
// an OPTIONS — here the edge's own 404 for a domain it does not route (D1 closed federation).

import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../src/edge.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  makeCertificates,
  PEER_DOMAIN,
  PortAllocator,
  RawStreamClient,
  sipRequest,
  startEdge,
  statusOf,
  stopEdge,
  udpExchange,
  type SipRequestOptions,
} from '../support/edge-harness.js';

type Wire = 'UDP' | 'TCP' | 'TLS';

let workDir: string;
let edge: Edge | undefined;
let ports: { internal: number; externalTls: number; udpClient: number };
let peerTls: { cert: Buffer; key: Buffer; ca: Buffer };

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-y4-'));
  const certificates = makeCertificates(workDir);
  const peer = certificates.byDomain[PEER_DOMAIN]!;
  peerTls = { cert: readFileSync(peer.cert), key: readFileSync(peer.key), ca: readFileSync(certificates.ca) };
  const base = new PortAllocator().take(4);
  ports = { internal: base, externalTls: base + 1, udpClient: base + 3 };
  edge = await startEdge({
    yaml: edgeConfigYaml({
      internal: [
        { transport: 'udp', port: ports.internal },
        { transport: 'tcp', port: ports.internal },
      ],
      external: [{ transport: 'tls', port: ports.externalTls }],
      adminPort: base + 2,
    }),
    tls: edgeTlsOptions(certificates),
  });
});

afterAll(async () => {
  if (edge !== undefined) await stopEdge(edge);
  rmSync(workDir, { recursive: true, force: true });
});

function request(wire: Wire, overrides: Partial<SipRequestOptions> = {}): string {
  // A fresh Call-ID and branch each time: a reused branch would match an earlier transaction (§17.2.3).
  return sipRequest({
    requestUri: 'sip:bob@a.example.com',
    transport: wire,
    localPort: ports.udpClient,
    callId: randomUUID(),
    ...overrides,
  });
}

const BAD_VERSION = (wire: Wire): string => request(wire, { startLine: 'OPTIONS sip:bob@a.example.com SIP/7.0' });
const UNTERMINATED_QUOTE = (wire: Wire): string => request(wire, { to: 'To: "Bob <sip:bob@a.example.com>' });
const GARBAGE = 'this is not SIP at all\r\n\r\n';
const LIVENESS = (wire: Wire): string => request(wire, { requestUri: 'sip:probe@unknown.example.org' });

function udp(bytes: string, timeoutMs?: number): Promise<string | undefined> {
  return udpExchange({
    port: ports.internal,
    localPort: ports.udpClient,
    bytes,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

function connect(wire: 'TCP' | 'TLS'): Promise<RawStreamClient> {
  return wire === 'TCP'
    ? RawStreamClient.connect({ port: ports.internal })
    : RawStreamClient.connect({ port: ports.externalTls, tls: peerTls });
}

/** The edge still serves: a new OPTIONS (on a new connection for TCP and TLS) gets its 404. */
async function expectAlive(wire: Wire): Promise<void> {
  if (wire === 'UDP') {
    expect(statusOf(await udp(LIVENESS(wire)))).toBe(404);
    return;
  }
  const client = await connect(wire);
  try {
    client.write(LIVENESS(wire));
    expect(statusOf(await client.nextFinalResponse())).toBe(404);
  } finally {
    client.close();
  }
}

describe('Y4 malformed requests over UDP get their error status, and the edge stays up', () => {
  it('Y4 answers 505 to a request with SIP/7.0, then still answers OPTIONS', async () => {
    const response = await udp(BAD_VERSION('UDP'));
    expect(statusOf(response)).toBe(505);
    expect(response).toMatch(/\r\nWarning: 399 /);
    await expectAlive('UDP');
  });

  it('Y4 answers 400 to an unterminated quoted string in To, then still answers OPTIONS', async () => {
    expect(statusOf(await udp(UNTERMINATED_QUOTE('UDP')))).toBe(400);
    await expectAlive('UDP');
  });

  it('Y4 drops a datagram of garbage without headers unanswered, then still answers OPTIONS', async () => {
    expect(await udp(GARBAGE, 500)).toBeUndefined();
    await expectAlive('UDP');
  });
});

for (const wire of ['TCP', 'TLS'] as const) {
  const side = wire === 'TCP' ? 'internal TCP' : 'external mutual TLS';
  describe(`Y4 malformed requests over ${side} get 400 or a closed stream, and the edge stays up`, () => {
    it(`Y4 answers 505 to a request with SIP/7.0 over ${wire}, then still answers OPTIONS`, async () => {
      const client = await connect(wire);
      try {
        client.write(BAD_VERSION(wire));
        expect(statusOf(await client.nextFinalResponse())).toBe(505);
      } finally {
        client.close();
      }
      await expectAlive(wire);
    });

    it(`Y4 answers 400 to an unterminated quote in To over ${wire} and keeps the connection (framing is intact)`, async () => {
      const client = await connect(wire);
      try {
        client.write(UNTERMINATED_QUOTE(wire));
        expect(statusOf(await client.nextFinalResponse())).toBe(400);
        client.write(LIVENESS(wire));
        expect(statusOf(await client.nextFinalResponse())).toBe(404);
      } finally {
        client.close();
      }
      await expectAlive(wire);
    });

    it(`Y4 closes a ${wire} connection that sends garbage without headers (framing is lost), then still answers OPTIONS`, async () => {
      const client = await connect(wire);
      try {
        client.write(GARBAGE);
        expect(await client.closedByEdge()).toBe(true);
        expect(await client.nextFinalResponse(0)).toBeUndefined();
      } finally {
        client.close();
      }
      await expectAlive(wire);
    });
  });
}

describe('F7 implicit authority over mutual TLS', () => {
  it('F7 answers 403 when the From domain is not one the TLS connection is authenticated for', async () => {
    const client = await connect('TLS');
    try {
      client.write(request('TLS', { requestUri: 'sip:probe@unknown.example.org', fromDomain: 'a.example.com' }));
      expect(statusOf(await client.nextFinalResponse())).toBe(403);
      client.write(LIVENESS('TLS'));
      expect(statusOf(await client.nextFinalResponse())).toBe(404);
    } finally {
      client.close();
    }
  });
});

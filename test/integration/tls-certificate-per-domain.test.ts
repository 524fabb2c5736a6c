// F3 and F2 through the whole edge: serving a.example.com and c.example.org, the edge relays a
// MESSAGE from one of its users to the peer b.example.net over mutual TLS, presenting the
// certificate of the domain the request is from, and refuses a peer whose certificate names
// another domain than the one routed to (503 once no target is left).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../src/edge.js';
import { createResponse } from '../../src/sip/create-response.js';
import type { TlsOptions } from '../../src/transport/transport-options.js';
import {
  edgeConfigYaml,
  PortAllocator,
  sipRequest,
  startEdge,
  statusOf,
  stopEdge,
  udpExchange,
} from '../support/edge-harness.js';
import { TestPki, type IssuedFiles } from '../support/test-pki.js';
import { TlsLab, type TlsLayer } from '../support/tls-layer.js';

const lab = new TlsLab();
const ports = new PortAllocator();
let pki: TestPki;
let edgeA: IssuedFiles;
let edgeC: IssuedFiles;
let peerB: IssuedFiles;
let edge: Edge | undefined;

beforeAll(() => {
  pki = new TestPki();
  edgeA = pki.issue('a', ['a.example.com']);
  edgeC = pki.issue('c', ['c.example.org']);
  peerB = pki.issue('b', ['b.example.net']);
});

afterEach(async () => {
  if (edge !== undefined) await stopEdge(edge);
  edge = undefined;
  await lab.close();
});

afterAll(() => {
  lab.stop();
  pki.dispose();
});

/** A peer edge presenting `files`, answering 200 to every request. */
function peerEdge(files: IssuedFiles): Promise<TlsLayer> {
  return lab.layer(
    {
      cert: files.cert,
      key: files.key,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    {
      onMessage: (message, flow) => {
        if (message.kind === 'request') flow.send(createResponse(message, 200).toBuffer());
      },
    },
  );
}

async function startTwoDomainEdge(peerPort: number): Promise<{ sipPort: number }> {
  const base = ports.take(3);
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'udp', port: base }],
    external: [{ transport: 'tls', port: base + 1 }],
    peer: [{ port: peerPort, transport: 'tls' }],
    adminPort: base + 2,
    logLevel: 'warn',
  }).replace('domains: [a.example.com]', 'domains: [a.example.com, c.example.org]');
  const tls: TlsOptions = {
    cert: edgeA.cert,
    key: edgeA.key,
    ca: pki.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    certificates: [
      { domain: 'a.example.com', cert: edgeA.cert, key: edgeA.key },
      { domain: 'c.example.org', cert: edgeC.cert, key: edgeC.key },
    ],
  };
  edge = await startEdge({ yaml, tls });
  return { sipPort: base };
}

function messageFrom(fromDomain: string, sipPort: number): Promise<string | undefined> {
  const localPort = ports.take(1);
  const bytes = sipRequest({
    method: 'MESSAGE',
    requestUri: 'sip:bob@b.example.net',
    transport: 'UDP',
    localPort,
    callId: `f3-${localPort}`,
    fromDomain,
  });
  return udpExchange({ port: sipPort, localPort, bytes, timeoutMs: 10_000 });
}

describe('F3 the edge speaks for the domain a request is from', () => {
  it('F3 dials the peer with the certificate of the served domain in From', async () => {
    const peer = await peerEdge(peerB);
    const { sipPort } = await startTwoDomainEdge(peer.port);
    expect(statusOf(await messageFrom('c.example.org', sipPort))).toBe(200);
    expect([...peer.layer.flows].map((f) => f.peerIdentity)).toEqual([['c.example.org']]);
  });
});

describe('F2 the peer must prove the domain routed to (RFC 5922 §7.3)', () => {
  it('F2 answers 503 when the only peer target presents a certificate for another domain', async () => {
    const impostor = await peerEdge(edgeC); // a valid certificate from the trusted CA, but for c.example.org
    const { sipPort } = await startTwoDomainEdge(impostor.port);
    expect(statusOf(await messageFrom('a.example.com', sipPort))).toBe(503);
    expect(impostor.received).toEqual([]);
  });
});

// F6 (003 §4.3, RFC 7525 §3.3): TLS compression is never negotiated (CRIME). OpenSSL's own client,
// asked to offer compression (-comp), reports what the edge's TLS listener agreed to, for TLS 1.2 and
// TLS 1.3 alike; docs/SECURITY.md says why no setting turns it on.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../src/edge.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  LOOPBACK,
  makeCertificates,
  PEER_DOMAIN,
  PortAllocator,
  startEdge,
  stopEdge,
  type CertificateFiles,
} from '../support/edge-harness.js';

let dir: string;
let files: CertificateFiles;
let edge: Edge;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-f6-'));
  files = makeCertificates(dir);
  const base = new PortAllocator().take(3);
  port = base + 1;
  edge = await startEdge({
    yaml: edgeConfigYaml({
      internal: [{ transport: 'udp', port: base }],
      external: [{ transport: 'tls', port }],
      adminPort: base + 2,
      logLevel: 'warn',
    }),
    tls: edgeTlsOptions(files),
  });
});

afterAll(async () => {
  await stopEdge(edge);
  rmSync(dir, { recursive: true, force: true });
});

/** `openssl s_client` against the edge as b.example.net, offering compression; its session report. */
function sessionReport(version: '-tls1_2' | '-tls1_3'): Promise<string> {
  const peer = files.byDomain[PEER_DOMAIN]!;
  const args = [
    's_client',
    '-connect',
    `${LOOPBACK}:${port}`,
    version,
    '-comp',
    '-CAfile',
    files.ca,
    '-cert',
    peer.cert,
    '-key',
    peer.key,
    '-servername',
    'a.example.com',
  ];
  // Standard input at end of file: s_client handshakes, prints the session and leaves.
  const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', () => resolve(out));
  });
}

describe('F6 no TLS compression', () => {
  it('F6 the edge negotiates no compression over TLS 1.2, though the client offers it', async () => {
    const report = await sessionReport('-tls1_2');
    expect(report).toMatch(/^New, TLSv1\.2, Cipher is /m);
    expect(report).toMatch(/^Compression: NONE$/m);
  });

  it('F6 TLS 1.3 has no compression at all', async () => {
    const report = await sessionReport('-tls1_3');
    expect(report).toMatch(/^New, TLSv1\.3, Cipher is /m);
    expect(report).toMatch(/^Compression: NONE$/m);
  });
});

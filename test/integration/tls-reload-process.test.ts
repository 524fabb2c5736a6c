// O2 and F3 as an operator sees them: `simple-edge start` (the built CLI) serving two domains
// from configured certificate files picks each by SNI; on SIGHUP it serves a renewed certificate to
// new handshakes while a connection opened before keeps working; a broken file on SIGHUP keeps
// the renewed one and logs the file.

import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeConfigYaml, PortAllocator } from '../support/edge-harness.js';
import { EdgeProcess, ensureBuilt } from '../support/edge-process.js';
import { TestPki, type IssuedFiles } from '../support/test-pki.js';
import { TlsLab } from '../support/tls-layer.js';

const lab = new TlsLab();
let pki: TestPki;
let edge: EdgeProcess | undefined;
let port: number;
let renewed: IssuedFiles;
let peer: IssuedFiles;
const live = { cert: '', key: '' };

beforeAll(async () => {
  await ensureBuilt();
  pki = new TestPki();
  const original = pki.issue('a-original', ['a.example.com']);
  renewed = pki.issue('a-renewed', ['a.example.com']);
  const other = pki.issue('c', ['c.example.org']);
  peer = pki.issue('peer', ['b.example.net']);
  Object.assign(live, { cert: path.join(pki.dir, 'a-live.pem'), key: path.join(pki.dir, 'a-live.key') });
  copyFileSync(original.certPath, live.cert);
  copyFileSync(original.keyPath, live.key);
  const base = new PortAllocator().take(3);
  port = base + 1;
  const yaml =
    edgeConfigYaml({
      internal: [{ transport: 'udp', port: base }],
      external: [{ transport: 'tls', port }],
      adminPort: base + 2,
    }).replace('domains: [a.example.com]', 'domains: [a.example.com, c.example.org]') +
    [
      'tls:',
      '  certificates:',
      `    - { domain: a.example.com, cert: ${live.cert}, key: ${live.key} }`,
      `    - { domain: c.example.org, cert: ${other.certPath}, key: ${other.keyPath} }`,
      `  ca: ${pki.caPath}`,
      // Every handshake below is a connection of b.example.net's, and they stay open: lift the F4 cap.
      'limits: { maxInboundFlowsPerPeer: 1000 }',
      '',
    ].join('\n');
  writeFileSync(path.join(pki.dir, 'edge.yaml'), yaml);
  edge = await EdgeProcess.start({ cwd: pki.dir, configFile: 'edge.yaml', listeners: 2 });
}, 240_000);

afterAll(async () => {
  await lab.close();
  lab.stop();
  await edge?.kill('SIGKILL');
  pki?.dispose();
});

const asPeer = (servername?: string) => ({
  ca: pki.ca,
  cert: peer.cert,
  key: peer.key,
  ...(servername === undefined ? {} : { servername }),
});

/** The messages of the edge's JSON log lines about TLS reloads caused by `cause`. */
function reloadLines(output: string, cause: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { cause?: string; msg?: string })
    .filter((entry) => entry.cause === cause)
    .map((entry) => entry.msg ?? '');
}

function pingPong(socket: TLSSocket): Promise<string> {
  const pong = new Promise<string>((resolve) =>
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))),
  );
  socket.write('\r\n\r\n');
  return pong;
}

describe('O2 simple-edge start reloads certificates on SIGHUP', () => {
  it('F3 serves each configured domain its own certificate by SNI', async () => {
    expect((await lab.handshake(port, asPeer('c.example.org'))).certificate?.subjectaltname).toContain(
      'URI:sip:c.example.org',
    );
    expect((await lab.handshake(port, asPeer())).certificate?.subjectaltname).toContain('URI:sip:a.example.com');
  });

  it('O2 SIGHUP: new handshakes get the renewed certificate, a live connection carries on; a broken file keeps it', async () => {
    const before = await lab.handshake(port, asPeer('a.example.com'));
    expect(before.error).toBeUndefined();
    copyFileSync(renewed.certPath, live.cert);
    copyFileSync(renewed.keyPath, live.key);
    process.kill(edge!.pid!, 'SIGHUP');
    const renewedSerial = new X509Certificate(renewed.cert).serialNumber;
    await expect
      .poll(async () => (await lab.handshake(port, asPeer('a.example.com'))).certificate?.serialNumber, {
        interval: 100,
        timeout: 10_000,
      })
      .toBe(renewedSerial);
    expect(await pingPong(before.socket)).toBe('\r\n');
    // The files are polled too; the log says the signal itself caused a reload.
    await expect
      .poll(() => reloadLines(edge!.output, 'SIGHUP'), { interval: 100, timeout: 10_000 })
      .toContain('tls certificates reloaded for new connections');

    writeFileSync(live.cert, 'truncated');
    process.kill(edge!.pid!, 'SIGHUP');
    await expect
      .poll(() => reloadLines(edge!.output, 'SIGHUP').filter((m) => m.startsWith('tls reload failed')), {
        interval: 100,
        timeout: 10_000,
      })
      .toEqual([expect.stringContaining(live.cert)]);
    const after = await lab.handshake(port, asPeer('a.example.com'));
    expect(after.certificate?.serialNumber, `${String(after.error)}\n${edge!.output}`).toBe(renewedSerial);
  });
});

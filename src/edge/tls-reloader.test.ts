import { X509Certificate } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestPki, type IssuedFiles } from '../../test/support/test-pki.js';
import { TlsLab } from '../../test/support/tls-layer.js';
import { readTlsFiles, type TlsSource } from './tls-files.js';
import { TlsReloader, type TlsReloadLog } from './tls-reloader.js';

const lab = new TlsLab();
let pki: TestPki;
let first: IssuedFiles;
let second: IssuedFiles;
let peer: IssuedFiles;
let source: TlsSource;
let reloader: TlsReloader | undefined;
const errors: string[] = [];
const log: TlsReloadLog = { info: () => undefined, error: (_details, message) => void errors.push(message) };

beforeAll(() => {
  pki = new TestPki();
  first = pki.issue('first', ['a.example.com']);
  second = pki.issue('second', ['a.example.com']);
  peer = pki.issue('peer', ['b.example.net']);
});

/** The edge's files at fixed paths, holding the first certificate, as an operator's config names them. */
beforeEach(() => {
  const live = { cert: path.join(pki.dir, 'live.pem'), key: path.join(pki.dir, 'live.key') };
  copyFileSync(first.certPath, live.cert);
  copyFileSync(first.keyPath, live.key);
  source = { certificates: [{ domain: 'a.example.com', ...live }], ca: pki.caPath, crl: [], minVersion: 'TLSv1.2' };
  errors.length = 0;
});

afterEach(async () => {
  reloader?.stop();
  reloader = undefined;
  await lab.close();
});

afterAll(() => {
  lab.stop();
  pki.dispose();
});

const asPeer = () => ({ ca: pki.ca, cert: peer.cert, key: peer.key, servername: 'a.example.com' });
const serialOf = (files: IssuedFiles) => new X509Certificate(files.cert).serialNumber;

/** Replaces the live files with another certificate, the way an operator renews one. */
function install(files: IssuedFiles): void {
  copyFileSync(files.certPath, source.certificates[0]!.cert);
  copyFileSync(files.keyPath, source.certificates[0]!.key);
}

async function pingPong(socket: TLSSocket): Promise<string> {
  const pong = new Promise<string>((resolve) =>
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))),
  );
  socket.write('\r\n\r\n');
  return pong;
}

describe('O2 certificate reload without dropping live connections', () => {
  it('O2 new handshakes get the new certificate while a live flow keeps working', async () => {
    const { layer, port } = await lab.layer(readTlsFiles(source));
    const live = await lab.handshake(port, asPeer());
    expect(live.certificate?.serialNumber).toBe(serialOf(first));
    install(second);
    expect(new TlsReloader({ source, target: layer, log }).reload('test')).toEqual({ ok: true });
    const fresh = await lab.handshake(port, asPeer());
    expect(fresh.certificate?.serialNumber).toBe(serialOf(second));
    const withoutSni = await lab.handshake(port, { ...asPeer(), servername: undefined });
    expect(withoutSni.certificate?.serialNumber).toBe(serialOf(second));
    expect(await pingPong(live.socket)).toBe('\r\n');
    expect([...layer.flows]).toHaveLength(3);
  });

  it('O2 keeps the old certificate when the new file is broken, and says which file and why', async () => {
    const { layer, port } = await lab.layer(readTlsFiles(source));
    writeFileSync(source.certificates[0]!.cert, 'not a certificate');
    const outcome = new TlsReloader({ source, target: layer, log }).reload('test');
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringContaining(source.certificates[0]!.cert) });
    expect(errors).toHaveLength(1);
    expect((await lab.handshake(port, asPeer())).certificate?.serialNumber).toBe(serialOf(first));
  });

  it('O2 keeps the old certificate when the new key does not belong to the new certificate', async () => {
    const { layer, port } = await lab.layer(readTlsFiles(source));
    copyFileSync(second.certPath, source.certificates[0]!.cert); // the key is still the first one's
    const outcome = new TlsReloader({ source, target: layer, log }).reload('test');
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringContaining(source.certificates[0]!.key) });
    expect((await lab.handshake(port, asPeer())).certificate?.serialNumber).toBe(serialOf(first));
  });

  it('O2 reloads on SIGHUP', async () => {
    const { layer, port } = await lab.layer(readTlsFiles(source));
    reloader = new TlsReloader({ source, target: layer, log, pollIntervalMs: 60_000 });
    reloader.start();
    install(second);
    process.emit('SIGHUP', 'SIGHUP');
    expect((await lab.handshake(port, asPeer())).certificate?.serialNumber).toBe(serialOf(second));
  });

  it('O2 reloads when a certificate file changes', async () => {
    const { layer, port } = await lab.layer(readTlsFiles(source));
    reloader = new TlsReloader({ source, target: layer, log, pollIntervalMs: 20, debounceMs: 20 });
    reloader.start();
    install(second);
    await expect
      .poll(async () => (await lab.handshake(port, asPeer())).certificate?.serialNumber, {
        interval: 50,
        timeout: 5000,
      })
      .toBe(serialOf(second));
  });

  it('F2 a reload brings a new CRL into force: a peer revoked since is refused on its next handshake', async () => {
    const victim = pki.issue('victim', ['b.example.net']);
    const { layer, port } = await lab.layer(readTlsFiles(source));
    const before = await lab.handshake(port, { ...asPeer(), cert: victim.cert, key: victim.key });
    expect(before.error).toBeUndefined();
    pki.revoke('victim');
    const withCrl = { ...source, crl: [pki.crl().path] };
    expect(new TlsReloader({ source: withCrl, target: layer, log }).reload('test')).toEqual({ ok: true });
    expect((await lab.handshake(port, { ...asPeer(), cert: victim.cert, key: victim.key })).error).toBeDefined();
  });
});

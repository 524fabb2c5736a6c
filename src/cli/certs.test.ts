import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { main } from './main.js';

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function recordingIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => void stdout.push(line), err: (line) => void stderr.push(line) };
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-certs-init-'));
  dirs.push(dir);
  return path.join(dir, 'certs');
}

describe('F3 simple-edge certs init', () => {
  it('F3 writes a development CA and a certificate per domain naming it as DNS and URI sip: (RFC 5922 §7.1)', async () => {
    const io = recordingIo();
    const dir = tempDir();
    expect(
      await main(['certs', 'init', '--domain', 'a.example.com', '--domain', 'B.example.net', '--dir', dir], { io }),
    ).toBe(0);
    const ca = new X509Certificate(readFileSync(path.join(dir, 'dev-ca.pem')));
    expect(ca.ca).toBe(true);
    for (const domain of ['a.example.com', 'b.example.net']) {
      const leaf = new X509Certificate(readFileSync(path.join(dir, `${domain}.pem`)));
      expect(leaf.subjectAltName?.split(', ')).toEqual([`DNS:${domain}`, `URI:sip:${domain}`]);
      expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.ca).toBe(false);
    }
    expect(io.stdout).toContain(`wrote ${path.join(dir, 'a.example.com.key')} (mode 0600)`);
    expect(io.stdout).toContain(
      `    - { domain: b.example.net, cert: ${path.join(dir, 'b.example.net.pem')}, key: ${path.join(dir, 'b.example.net.key')} }`,
    );
    expect(io.stdout).toContain(
      `  ca: ${path.join(dir, 'dev-ca.pem')}   # trust peers whose certificates this CA issued; give it to them too`,
    );
  });

  it('F3 writes every private key readable by its owner alone', async () => {
    const dir = tempDir();
    await main(['certs', 'init', '--domain', 'a.example.com', '--dir', dir], { io: recordingIo() });
    for (const key of ['dev-ca.key', 'a.example.com.key'])
      expect(statSync(path.join(dir, key)).mode & 0o777).toBe(0o600);
  });

  it('F3 keeps existing files and adds a certificate for a new domain from the same CA', async () => {
    const dir = tempDir();
    await main(['certs', 'init', '--domain', 'a.example.com', '--dir', dir], { io: recordingIo() });
    const before = readFileSync(path.join(dir, 'a.example.com.pem'), 'utf8');
    const io = recordingIo();
    expect(
      await main(['certs', 'init', '--domain', 'a.example.com', '--domain', 'c.example.org', '--dir', dir], { io }),
    ).toBe(0);
    expect(readFileSync(path.join(dir, 'a.example.com.pem'), 'utf8')).toBe(before);
    expect(io.stdout).toContain(`kept ${path.join(dir, 'a.example.com.pem')} (exists)`);
    const ca = new X509Certificate(readFileSync(path.join(dir, 'dev-ca.pem')));
    expect(new X509Certificate(readFileSync(path.join(dir, 'c.example.org.pem'))).verify(ca.publicKey)).toBe(true);
  });

  it('F3 refuses a name that is not a domain, writing nothing', async () => {
    const io = recordingIo();
    const dir = tempDir();
    expect(await main(['certs', 'init', '--domain', '../etc', '--dir', dir], { io })).toBe(1);
    expect(io.stderr).toEqual(['certs init: not a domain name: ../etc']);
    expect(() => statSync(dir)).toThrow();
  });
});

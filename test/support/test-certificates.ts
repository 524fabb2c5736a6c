// Test-only certificates: a throw-away CA and a server and a client certificate it issued, made with
// the openssl command-line tool. Each names its domains as subjectAltName DNS and URI `sip:` entries
// (RFC 5922 §7.1). Memoised per process; `simple-edge certs` is the tool for real deployments.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCertificate {
  readonly cert: string;
  readonly key: string;
}

export interface TestCertificates {
  /** The CA certificate, to trust both leaves. */
  readonly ca: string;
  readonly server: IssuedCertificate;
  readonly client: IssuedCertificate;
}

export interface TestCertificateOptions {
  readonly serverDomains?: readonly string[];
  readonly clientDomains?: readonly string[];
  /** A different name makes an unrelated CA (for "untrusted issuer" tests). */
  readonly authority?: string;
}

const memo = new Map<string, TestCertificates>();

export function testCertificates(options: TestCertificateOptions = {}): TestCertificates {
  const serverDomains = options.serverDomains ?? ['a.example.com'];
  const clientDomains = options.clientDomains ?? ['b.example.net'];
  const authority = options.authority ?? 'simple-edge test CA';
  const key = JSON.stringify([serverDomains, clientDomains, authority]);
  let made = memo.get(key);
  if (made === undefined) {
    made = issue(serverDomains, clientDomains, authority);
    memo.set(key, made);
  }
  return made;
}

function issue(
  serverDomains: readonly string[],
  clientDomains: readonly string[],
  authority: string,
): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'simple-edge-certs-'));
  try {
    openssl(dir, [
      'req',
      '-x509',
      ...newKey('ca.key'),
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      `/CN=${authority}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return {
      ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
      server: leaf(dir, 'server', serverDomains),
      client: leaf(dir, 'client', clientDomains),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function leaf(dir: string, name: string, domains: readonly string[]): IssuedCertificate {
  const altNames = domains.flatMap((d) => [`DNS:${d}`, `URI:sip:${d}`]).join(',');
  writeFileSync(
    join(dir, `${name}.ext`),
    [
      `subjectAltName=${altNames}`,
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
      '',
    ].join('\n'),
  );
  openssl(dir, ['req', ...newKey(`${name}.key`), '-out', `${name}.csr`, '-subj', `/CN=${domains[0] ?? name}`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
  return { cert: readFileSync(join(dir, `${name}.pem`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
}

function newKey(keyFile: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile];
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

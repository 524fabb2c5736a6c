// A test CA that can also revoke: `openssl ca` keeps a minimal database in a temp directory, so a
// test can issue leaves for any domains, revoke some and publish a CRL (RFC 5280 §5), which
// node-forge cannot make. Every file stays on disk until dispose(), for tests that load by path.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedFiles {
  readonly cert: string;
  readonly key: string;
  readonly certPath: string;
  readonly keyPath: string;
}

const CA_CONFIG = `[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = index.txt
new_certs_dir = .
certificate = ca.pem
private_key = ca.key
serial = serial
crlnumber = crlnumber
default_md = sha256
default_crl_days = 2
unique_subject = no
policy = any
[ any ]
commonName = supplied
`;

export class TestPki {
  readonly dir: string;
  readonly ca: string;
  readonly caPath: string;

  constructor(authority = 'simple-edge test CA') {
    this.dir = mkdtempSync(join(tmpdir(), 'simple-edge-pki-'));
    writeFileSync(join(this.dir, 'ca.cnf'), CA_CONFIG);
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'serial'), '01\n');
    writeFileSync(join(this.dir, 'crlnumber'), '01\n');
    this.#openssl([
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
    this.caPath = join(this.dir, 'ca.pem');
    this.ca = readFileSync(this.caPath, 'utf8');
  }

  /** A leaf for `domains` (subjectAltName DNS and URI sip: each, RFC 5922 §7.1), usable both ways. */
  issue(
    name: string,
    domains: readonly string[],
    altNames = domains.flatMap((d) => [`DNS:${d}`, `URI:sip:${d}`]),
  ): IssuedFiles {
    writeFileSync(
      join(this.dir, `${name}.ext`),
      [
        ...(altNames.length > 0 ? [`subjectAltName=${altNames.join(',')}`] : []),
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth,clientAuth',
        '',
      ].join('\n'),
    );
    this.#openssl(['req', ...newKey(`${name}.key`), '-out', `${name}.csr`, '-subj', `/CN=${domains[0] ?? name}`]);
    this.#openssl([
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
    const certPath = join(this.dir, `${name}.pem`);
    const keyPath = join(this.dir, `${name}.key`);
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
  }

  /**
   * A leaf valid only from `notBefore` to `notAfter` (an expired or a not-yet-valid certificate):
   * `openssl ca` sets both dates, which `openssl x509 -req` cannot before OpenSSL 3.4.
   */
  issueValid(name: string, domains: readonly string[], validity: { notBefore: Date; notAfter: Date }): IssuedFiles {
    this.issue(name, domains);
    this.#openssl([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-notext',
      '-in',
      `${name}.csr`,
      '-extfile',
      `${name}.ext`,
      '-startdate',
      asn1Time(validity.notBefore),
      '-enddate',
      asn1Time(validity.notAfter),
      '-out',
      `${name}.pem`,
    ]);
    const certPath = join(this.dir, `${name}.pem`);
    const keyPath = join(this.dir, `${name}.key`);
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
  }

  /** Marks the leaf `name` revoked in the CA's database; crl() then lists it. */
  revoke(name: string): void {
    this.#openssl(['ca', '-config', 'ca.cnf', '-revoke', `${name}.pem`]);
  }

  /** A CRL signed by the CA listing every revoked leaf, written to `crl.pem`. */
  crl(): { pem: string; path: string } {
    this.#openssl(['ca', '-config', 'ca.cnf', '-gencrl', '-out', 'crl.pem']);
    const path = join(this.dir, 'crl.pem');
    return { pem: readFileSync(path, 'utf8'), path };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

function newKey(keyFile: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile];
}

/** GeneralizedTime as `openssl ca -startdate` reads it: YYYYMMDDHHMMSSZ. */
function asn1Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

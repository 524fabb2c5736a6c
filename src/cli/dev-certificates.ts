// Development certificates: a throw-away CA and one certificate per served domain, with the
// subjectAltName a peer checks (DNS name and URI sip:domain, RFC 5922 §7.1). Made by
// `simple-edge certs init`, and on first start when the configuration names none, so `npm start`
// runs on a fresh clone. Existing files are kept. Keys are written 0600. Never for production.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

export interface CertificateFiles {
  readonly domain: string;
  readonly cert: string;
  readonly key: string;
}

export interface DevCertificates {
  readonly caCert: string;
  readonly caKey: string;
  readonly certificates: readonly CertificateFiles[];
  /** The files this call wrote; the others existed already. */
  readonly written: readonly string[];
}

const VALID_DAYS = 825;

/** Make (once) and return the development CA and a certificate for each domain under `dir`. */
export function ensureDevCertificates(dir: string, domains: readonly string[]): DevCertificates {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const caCertPath = path.join(dir, 'dev-ca.pem');
  const caKeyPath = path.join(dir, 'dev-ca.key');
  if (!existsSync(caCertPath) || !existsSync(caKeyPath)) {
    writeCa(caCertPath, caKeyPath);
    written.push(caCertPath, caKeyPath);
  }
  const ca = {
    cert: forge.pki.certificateFromPem(readFileSync(caCertPath, 'utf8')),
    key: forge.pki.privateKeyFromPem(readFileSync(caKeyPath, 'utf8')),
  };
  const certificates = domains.map((domain) => {
    const files = { domain, cert: path.join(dir, `${domain}.pem`), key: path.join(dir, `${domain}.key`) };
    if (!existsSync(files.cert) || !existsSync(files.key)) {
      writeLeaf(files, ca);
      written.push(files.cert, files.key);
    }
    return files;
  });
  return { caCert: caCertPath, caKey: caKeyPath, certificates, written };
}

function newKeyPair(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey; privatePem: string } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), privatePem: privateKey };
}

function baseCertificate(publicKey: forge.pki.PublicKey, commonName: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + VALID_DAYS * 86_400_000);
  cert.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'simple-edge development' },
  ]);
  return cert;
}

function writeCa(certPath: string, keyPath: string): void {
  const keys = newKeyPair();
  const cert = baseCertificate(keys.publicKey, 'simple-edge development CA');
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  writeFileSync(keyPath, keys.privatePem, { mode: 0o600 });
  writeFileSync(certPath, forge.pki.certificateToPem(cert));
}

function writeLeaf(files: CertificateFiles, ca: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey }): void {
  const keys = newKeyPair();
  const cert = baseCertificate(keys.publicKey, files.domain);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    // Both roles: an edge is a TLS server to peers that dial it and a client when it dials them.
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: files.domain },
        { type: 6, value: `sip:${files.domain}` },
      ],
    },
  ]);
  cert.sign(ca.key as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  writeFileSync(files.key, keys.privatePem, { mode: 0o600 });
  writeFileSync(files.cert, forge.pki.certificateToPem(cert));
}

// The TLS files the configuration names, read and checked one by one, so a bad one is reported by
// its path and reason (at start and on reload, SPEC O2) before OpenSSL sees the set as a whole.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { TlsConfig } from '../config/tls-schema.js';
import { EdgeError } from '../errors.js';
import type { TlsOptions } from '../transport/transport-options.js';

/** Where the material lives: the configured files, or the development certificates. */
export interface TlsSource {
  /** The first is the default certificate (SPEC F3). */
  readonly certificates: ReadonlyArray<{ readonly domain: string; readonly cert: string; readonly key: string }>;
  readonly ca: string | null;
  readonly crl: readonly string[];
  readonly minVersion: TlsConfig['minVersion'];
}

/** Every file of the source, for watching. */
export function tlsSourcePaths(source: TlsSource): string[] {
  return [
    ...source.certificates.flatMap((c) => [c.cert, c.key]),
    ...(source.ca === null ? [] : [source.ca]),
    ...source.crl,
  ];
}

/** Reads and checks every file; throws EdgeError TLS_FILE_INVALID naming the first bad one. */
export function readTlsFiles(source: TlsSource): TlsOptions {
  const certificates = source.certificates.map(({ domain, cert, key }) => {
    const pair = { domain, cert: readPem(cert), key: readPem(key) };
    checkPair(pair, cert, key);
    return pair;
  });
  const first = certificates[0];
  if (first === undefined) throw new EdgeError('TLS_FILE_INVALID', 'tls: no certificate to serve');
  const ca = source.ca === null ? undefined : readCa(source.ca);
  const crl = source.crl.map(readCrl);
  return {
    cert: first.cert,
    key: first.key,
    certificates,
    crl,
    minVersion: source.minVersion,
    // F2: peers must present a certificate, and it must chain to the CA bundle.
    requestCert: true,
    rejectUnauthorized: true,
    ...(ca === undefined ? {} : { ca }),
  };
}

function readPem(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw invalid(path, error);
  }
}

function checkPair(pair: { domain: string; cert: Buffer; key: Buffer }, certPath: string, keyPath: string): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pair.cert);
  } catch (error) {
    throw invalid(certPath, error);
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(pair.key))) throw new Error(`not the key of ${certPath}`);
  } catch (error) {
    throw invalid(keyPath, error);
  }
  if (Date.parse(certificate.validTo) < Date.now())
    throw invalid(certPath, new Error(`expired on ${certificate.validTo}`));
}

function readCa(path: string): Buffer {
  const pem = readPem(path);
  try {
    new X509Certificate(pem); // the first certificate of the bundle; OpenSSL takes a bundle of none silently
  } catch (error) {
    throw invalid(path, error);
  }
  return pem;
}

function readCrl(path: string): Buffer {
  const pem = readPem(path);
  try {
    createSecureContext({ crl: pem });
  } catch (error) {
    throw invalid(path, error);
  }
  return pem;
}

function invalid(path: string, error: unknown): EdgeError {
  return new EdgeError('TLS_FILE_INVALID', `${path}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

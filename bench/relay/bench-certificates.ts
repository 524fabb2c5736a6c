// One throw-away CA for the whole TLS run and a certificate per role, made with the edge's own
// development-certificate maker (SAN DNS + URI sip:, serverAuth and clientAuth), so every hop is
// mutual TLS: the proxy under test (a.example.com, also used by Kamailio and npm `sip`), the stunnel
// in front of the UAC (a peer community) and the stunnel in front of the UAS (the internal registrar).

import { readFileSync } from 'node:fs';
import { ensureDevCertificates, type CertificateFiles } from '../../src/cli/dev-certificates.js';

export interface BenchCertificates {
  readonly ca: string;
  readonly proxy: CertificateFiles;
  readonly uacTunnel: CertificateFiles;
  readonly uasTunnel: CertificateFiles;
  /** The proxy-side material as bytes, for the latency probe (which presents the peer's certificate). */
  readonly probeTls: { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer };
}

const PROXY_DOMAIN = 'a.example.com';
/** The peer community the load comes from: the UAC's stunnel certificate and the From domain. */
export const PEER_DOMAIN = 'peer.example.net';
const UAS_DOMAIN = 'registrar.a.example.com';

export function makeBenchCertificates(dir: string): BenchCertificates {
  const made = ensureDevCertificates(dir, [PROXY_DOMAIN, PEER_DOMAIN, UAS_DOMAIN]);
  const [proxy, uacTunnel, uasTunnel] = made.certificates as [CertificateFiles, CertificateFiles, CertificateFiles];
  return {
    ca: made.caCert,
    proxy,
    uacTunnel,
    uasTunnel,
    probeTls: { cert: readFileSync(uacTunnel.cert), key: readFileSync(uacTunnel.key), ca: readFileSync(made.caCert) },
  };
}

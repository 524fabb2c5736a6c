// The key a peer's certificate carries, as a pin (SPEC F2, G1): base64 SHA-256 of the DER
// SubjectPublicKeyInfo, the RFC 7469 `pin-sha256` form. A pin survives the peer renewing its
// certificate with the same key, and nothing but that key matches it.

import { createHash, X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

export function spkiFingerprintOf(certificate: PeerCertificate | undefined): string | undefined {
  if (certificate?.raw === undefined) return undefined;
  try {
    const spki = new X509Certificate(certificate.raw).publicKey.export({ type: 'spki', format: 'der' });
    return createHash('sha256').update(spki).digest('base64');
  } catch {
    return undefined;
  }
}

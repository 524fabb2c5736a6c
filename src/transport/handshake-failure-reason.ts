// Why an inbound TLS handshake failed, as one of a few words an operator can alert on (the metric
// simple_edge_tls_handshake_failures_total{reason}). OpenSSL says it in the error code or the text.

export type HandshakeFailureReason = 'protocol-version' | 'no-certificate' | 'revoked' | 'untrusted-certificate' | 'other';

const REASONS: ReadonlyArray<readonly [RegExp, HandshakeFailureReason]> = [
  [/unsupported.protocol|wrong.version|version.too.low|protocol.version/i, 'protocol-version'],
  [/did.not.return.a.certificate|no.certificate|certificate.required/i, 'no-certificate'],
  [/revoked/i, 'revoked'],
  [/certificate|unknown.ca|verify|self.signed|expired|crl/i, 'untrusted-certificate'],
];

export function handshakeFailureReason(error: Error & { code?: string }): HandshakeFailureReason {
  const text = `${error.code ?? ''} ${error.message}`;
  for (const [pattern, reason] of REASONS) if (pattern.test(text)) return reason;
  return 'other';
}

// Why an inbound TLS handshake failed, as one of a few fixed words an operator can alert on (SPEC
// F2, O3: simple_edge_tls_handshake_failures_total{reason}). The label never carries text the peer
// chose: OpenSSL's verification code (the socket's `authorizationError`) or its error says it.

export const HANDSHAKE_FAILURE_REASONS = [
  'protocol-version',
  'no-certificate',
  'untrusted',
  'revoked',
  'expired',
  'not-yet-valid',
  'crl-unavailable',
  'other',
] as const;

export type HandshakeFailureReason = (typeof HANDSHAKE_FAILURE_REASONS)[number];

/**
 * OpenSSL's X509_V_ERR_* names as Node reports them (`authorizationError`). A name not listed is a
 * chain that does not verify for another reason (unknown issuer, self-signed, bad signature,
 * wrong purpose …): `untrusted`.
 */
const VERIFY_ERRORS: ReadonlyMap<string, HandshakeFailureReason> = new Map([
  ['CERT_REVOKED', 'revoked'],
  ['CERT_HAS_EXPIRED', 'expired'],
  ['CERT_NOT_YET_VALID', 'not-yet-valid'],
  // F2 revocation fails closed: without a current CRL for a CA in the chain, the peer is refused.
  // Counted apart, because the fix is the operator's (fetch the CRL), not the peer's.
  ['UNABLE_TO_GET_CRL', 'crl-unavailable'],
  ['UNABLE_TO_GET_CRL_ISSUER', 'crl-unavailable'],
  ['CRL_HAS_EXPIRED', 'crl-unavailable'],
  ['CRL_NOT_YET_VALID', 'crl-unavailable'],
]);

// Failures OpenSSL raises during the handshake itself (version, a missing or unusable certificate).
const HANDSHAKE_ERRORS: ReadonlyArray<readonly [RegExp, HandshakeFailureReason]> = [
  [/unsupported.protocol|wrong.version|version.too.low|protocol.version/i, 'protocol-version'],
  [/did.not.return.a.certificate|no.certificate|certificate.required/i, 'no-certificate'],
  [/revoked/i, 'revoked'],
  [/expired/i, 'expired'],
  [/unknown.ca|self.signed|verify.failed|bad.certificate|unsupported.certificate|bad.signature/i, 'untrusted'],
];

/**
 * `verifyError` is the socket's `authorizationError` (Node sets it to the X509_V_ERR name when it
 * refuses a certificate after the handshake, and reports the refusal only as a reset).
 */
export function handshakeFailureReason(error: Error & { code?: string }, verifyError?: string): HandshakeFailureReason {
  if (verifyError !== undefined && verifyError !== '') return VERIFY_ERRORS.get(verifyError) ?? 'untrusted';
  const text = `${error.code ?? ''} ${error.message}`;
  for (const [pattern, reason] of HANDSHAKE_ERRORS) if (pattern.test(text)) return reason;
  return 'other';
}

/** The socket's `authorizationError` as a code: Node stores a string there, its typings say Error. */
export function verifyErrorCode(authorizationError: unknown): string | undefined {
  if (typeof authorizationError === 'string') return authorizationError;
  if (authorizationError instanceof Error)
    return (authorizationError as Error & { code?: string }).code ?? authorizationError.message;
  return undefined;
}

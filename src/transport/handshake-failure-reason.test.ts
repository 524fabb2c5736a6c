import { describe, expect, it } from 'vitest';
import { handshakeFailureReason, verifyErrorCode } from './handshake-failure-reason.js';

const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('F2 handshake failure reasons (the metric label, O3)', () => {
  it('F2 names the verification error Node read from OpenSSL, not the reset it reported', () => {
    expect(handshakeFailureReason(hangUp, 'CERT_REVOKED')).toBe('revoked');
    expect(handshakeFailureReason(hangUp, 'CERT_HAS_EXPIRED')).toBe('expired');
    expect(handshakeFailureReason(hangUp, 'CERT_NOT_YET_VALID')).toBe('not-yet-valid');
    expect(handshakeFailureReason(hangUp, 'UNABLE_TO_GET_CRL')).toBe('crl-unavailable');
    expect(handshakeFailureReason(hangUp, 'CRL_HAS_EXPIRED')).toBe('crl-unavailable');
  });

  it('F2 counts every other chain failure as untrusted, so no label is open-ended', () => {
    for (const code of [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'INVALID_PURPOSE',
      'SOMETHING_NEW',
    ]) {
      expect(handshakeFailureReason(hangUp, code)).toBe('untrusted');
    }
  });

  it('F2 reads the version and missing-certificate failures OpenSSL raises in the handshake', () => {
    expect(
      handshakeFailureReason(
        Object.assign(new Error('unsupported protocol'), { code: 'ERR_SSL_UNSUPPORTED_PROTOCOL' }),
      ),
    ).toBe('protocol-version');
    expect(
      handshakeFailureReason(
        Object.assign(new Error('peer did not return a certificate'), {
          code: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
        }),
      ),
    ).toBe('no-certificate');
    expect(handshakeFailureReason(hangUp)).toBe('other');
  });

  it('F2 takes authorizationError as Node stores it (a string) or as its typings say (an Error)', () => {
    expect(verifyErrorCode('CERT_REVOKED')).toBe('CERT_REVOKED');
    expect(verifyErrorCode(Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }))).toBe(
      'CERT_HAS_EXPIRED',
    );
    expect(verifyErrorCode(null)).toBeUndefined();
  });
});

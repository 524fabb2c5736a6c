import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { identityCovers, parseSubjectAltName, peerIdentityOf } from './peer-identity.js';

function certificate(fields: { subjectaltname?: string; CN?: string | string[] }): PeerCertificate {
  return { subject: { CN: fields.CN }, subjectaltname: fields.subjectaltname } as unknown as PeerCertificate;
}

describe('F2 peer identity from the certificate (RFC 5922 §7.1)', () => {
  it('F2 takes the sip: URI domains first and then ignores dNSNames, lowercased and once each', () => {
    const cert = certificate({
      subjectaltname:
        'DNS:edge.example.net, URI:sip:B.Example.NET, URI:sip:c.example.org;transport=tls, URI:sip:b.example.net',
      CN: 'ignored.example',
    });
    expect(peerIdentityOf(cert)).toEqual(['b.example.net', 'c.example.org']);
  });

  it('F2 takes the dNSNames when the certificate has no sip: URI', () => {
    const cert = certificate({
      subjectaltname: 'DNS:B.Example.NET, URI:https://b.example.net, DNS:edge.example.net.',
      CN: 'ignored.example',
    });
    expect(peerIdentityOf(cert)).toEqual(['b.example.net', 'edge.example.net']);
  });

  it('F2 an identity covers a domain only by exact match (RFC 5922 §7.2)', () => {
    expect(identityCovers(['b.example.net'], 'B.example.net.')).toBe(true);
    expect(identityCovers(['b.example.net'], 'sub.b.example.net')).toBe(false);
    expect(identityCovers(undefined, 'b.example.net')).toBe(false);
  });

  it('F2 MUST NOT accept a URI with a user part, another scheme, an IP literal or a wildcard name', () => {
    const cert = certificate({
      subjectaltname:
        'URI:sip:alice@b.example.net, URI:https://b.example.net, URI:sip:[2001:db8::1], DNS:*.b.example.net, IP Address:192.0.2.1',
    });
    expect(peerIdentityOf(cert)).toEqual([]);
  });

  it('F2 uses the CN only when the certificate has no subjectAltName', () => {
    expect(peerIdentityOf(certificate({ CN: 'B.example.net' }))).toEqual(['b.example.net']);
    expect(peerIdentityOf(certificate({ subjectaltname: 'URI:sip:x@y', CN: 'b.example.net' }))).toEqual([]);
  });

  it('has no identity without a certificate', () => {
    expect(peerIdentityOf(undefined)).toBeUndefined();
    expect(peerIdentityOf({} as PeerCertificate)).toBeUndefined();
  });

  it('reads JSON-quoted names as one entry, so a comma cannot smuggle in a second name', () => {
    expect(parseSubjectAltName('DNS:"evil.example, DNS:b.example.net", DNS:ok.example')).toEqual([
      { type: 'DNS', value: 'evil.example, DNS:b.example.net' },
      { type: 'DNS', value: 'ok.example' },
    ]);
  });
});

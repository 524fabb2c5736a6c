import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseSubjectAltName, peerIdentityOf } from './peer-identity.js';

function certificate(fields: { subjectaltname?: string; CN?: string | string[] }): PeerCertificate {
  return { subject: { CN: fields.CN }, subjectaltname: fields.subjectaltname } as unknown as PeerCertificate;
}

describe('F2 peer identity from the certificate (RFC 5922 §7.1)', () => {
  it('F2 takes every dNSName and every sip: URI domain, lowercased and once each', () => {
    const cert = certificate({ subjectaltname: 'DNS:B.Example.NET, URI:sip:b.example.net, URI:sip:c.example.org;transport=tls, DNS:edge.example.net.', CN: 'ignored.example' });
    expect(peerIdentityOf(cert)).toEqual(['b.example.net', 'c.example.org', 'edge.example.net']);
  });

  it('F2 MUST NOT accept a URI with a user part, another scheme, an IP literal or a wildcard name', () => {
    const cert = certificate({ subjectaltname: 'URI:sip:alice@b.example.net, URI:https://b.example.net, URI:sip:[2001:db8::1], DNS:*.b.example.net, IP Address:192.0.2.1' });
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

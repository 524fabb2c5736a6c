import { describe, expect, it } from 'vitest';
import { parseUri } from './uri.js';
import { request } from '../../test/support/policy-fixture.js';
import { addressOfRecord, parseAddress, senderAddress, targetAddress } from './address-of-record.js';

describe('addresses-of-record: one spelling per address for the store keys (P2, P3, P4, Y1, Y2)', () => {
  it('MUST give sip, sips, im and pres URIs of one user@host the same address, without port, parameters or case', () => {
    for (const uri of [
      'sip:Alice@A.example.com',
      'sips:alice@a.example.com:5061;transport=tls',
      'im:alice@a.example.com',
      'pres:alice@A.EXAMPLE.COM',
      'sip:%61lice@a.example.com',
    ]) {
      expect(addressOfRecord(parseUri(uri))).toBe('sip:alice@a.example.com');
    }
  });

  it('MUST give a global telephone number its digits alone, and keep other URIs as their canonical text', () => {
    expect(addressOfRecord(parseUri('tel:+1-201-555-0123'))).toBe('tel:+12015550123');
    expect(addressOfRecord(parseUri('enum:+12015550123'))).toBe('tel:+12015550123');
    expect(addressOfRecord(parseUri('sip:a.example.com'))).toBe('sip:a.example.com');
    expect(addressOfRecord(parseUri('urn:service:SOS'))).toBe('urn:service:sos');
  });

  it("MUST read an operator's user@host as a sip: address", () => {
    expect(parseAddress(' Carol@a.example.com ')).toBe('sip:carol@a.example.com');
    expect(() => parseAddress('carol at a.example.com')).toThrow();
  });
});

describe('the addresses a chain keys the store by', () => {
  it('P2/Y1 gives each request its own target and sender, however the chains of two requests interleave', () => {
    const first = request('MESSAGE', [], { uri: 'sip:Alice@A.example.com', from: 'sip:bob@b.example.net' });
    const second = request('MESSAGE', [], { uri: 'sip:carol@a.example.com', from: 'sip:Dave@B.example.net' });
    expect(targetAddress(first)).toBe('sip:alice@a.example.com');
    expect(targetAddress(second)).toBe('sip:carol@a.example.com');
    expect(senderAddress(second)).toBe('sip:dave@b.example.net');
    expect(targetAddress(first)).toBe('sip:alice@a.example.com');
    expect(senderAddress(first)).toBe('sip:bob@b.example.net');
    expect(senderAddress(second)).toBe('sip:dave@b.example.net');
  });
});

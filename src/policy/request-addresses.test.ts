import { describe, expect, it } from 'vitest';
import { request } from '../../test/support/policy-fixture.js';
import { RequestAddresses } from './request-addresses.js';

describe('the addresses a chain keys the store by', () => {
  it('P2/Y1 gives each request its own target and sender, however the chains of two requests interleave', () => {
    const addresses = new RequestAddresses();
    const first = request('MESSAGE', [], { uri: 'sip:Alice@A.example.com', from: 'sip:bob@b.example.net' });
    const second = request('MESSAGE', [], { uri: 'sip:carol@a.example.com', from: 'sip:Dave@B.example.net' });
    expect(addresses.target(first)).toBe('sip:alice@a.example.com');
    expect(addresses.target(second)).toBe('sip:carol@a.example.com');
    expect(addresses.sender(second)).toBe('sip:dave@b.example.net');
    expect(addresses.target(first)).toBe('sip:alice@a.example.com');
    expect(addresses.sender(first)).toBe('sip:bob@b.example.net');
    expect(addresses.sender(second)).toBe('sip:dave@b.example.net');
  });
});

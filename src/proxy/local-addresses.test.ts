import { describe, expect, it } from 'vitest';
import { LocalAddresses } from './local-addresses.js';

describe("the edge's own addresses", () => {
  const local = new LocalAddresses([
    { side: 'internal', protocol: 'udp', address: '127.0.0.1', port: 5060 },
    { side: 'internal', protocol: 'tcp', address: '127.0.0.1', port: 5060 },
    { side: 'external', protocol: 'tls', address: '127.0.0.1', port: 5061 },
  ]);

  it('MUST tell apart UDP and TCP listeners that share a port', () => {
    expect(local.find('127.0.0.1', 5060, 'udp')?.protocol).toBe('udp');
    expect(local.find('127.0.0.1', 5060, 'tcp')?.protocol).toBe('tcp');
  });

  it('MUST recognise its address whichever transport a URI names', () => {
    expect(local.find('127.0.0.1', 5061, 'udp')?.protocol).toBe('tls');
    expect(local.find('127.0.0.1', undefined, 'tls')?.side).toBe('external');
    expect(local.find('127.0.0.2', 5060, 'udp')).toBeUndefined();
  });
});

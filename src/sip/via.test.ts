import { describe, expect, it } from 'vitest';
import { parseVia, viaSentBy } from './via.js';

describe('Via (RFC 3261 §20.42)', () => {
  it('MUST parse sent-protocol, sent-by and the branch', () => {
    const via = parseVia('SIP/2.0/TLS edge.b.example.net:5061;branch=z9hG4bK-1;alias');
    expect(via).toMatchObject({
      protocolName: 'SIP',
      protocolVersion: '2.0',
      transport: 'TLS',
      host: 'edge.b.example.net',
      port: 5061,
      branch: 'z9hG4bK-1',
      alias: true,
    });
    expect(viaSentBy(via)).toBe('edge.b.example.net:5061');
  });

  it('MUST allow white space around "/", ";" and "=" (RFC 4475 §3.1.1.1)', () => {
    const via = parseVia('SIP  / 2.0  / tcp     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8');
    expect(via.transport).toBe('TCP');
    expect(via.branch).toBe('z9hG4bK9ikj8');
  });

  it('MUST read rport with and without a value (RFC 3581)', () => {
    expect(parseVia('SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bKa').rport).toBeNull();
    expect(parseVia('SIP/2.0/UDP 192.0.2.1;rport=5070;received=192.0.2.9').rport).toBe(5070);
  });

  it('MUST accept IPv6 sent-by and received with or without brackets (RFC 5118 §4.5)', () => {
    expect(parseVia('SIP/2.0/UDP [2001:db8::9:1]:5060;received=[2001:db8::9:255];branch=z9hG4bKas3').received).toBe(
      '[2001:db8::9:255]',
    );
    expect(parseVia('SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3').hostKind).toBe('ipv6');
  });

  it('MUST reject empty parameters (RFC 4475 §3.1.2.1)', () => {
    expect(() => parseVia('SIP/2.0/UDP 192.0.2.15;;')).toThrowError(
      expect.objectContaining({ code: 'HEADER_VALUE_MALFORMED' }),
    );
  });

  it('MUST reject a missing transport and a bad port', () => {
    expect(() => parseVia('SIP/2.0 host')).toThrowError(expect.objectContaining({ code: 'HEADER_VALUE_MALFORMED' }));
    expect(() => parseVia('SIP/2.0/UDP host:70000')).toThrowError(
      expect.objectContaining({ code: 'HEADER_VALUE_MALFORMED' }),
    );
  });
});

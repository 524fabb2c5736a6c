import { describe, expect, it } from 'vitest';
import { registrationFlow } from './registration-flow.js';

const over = (protocol: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss') => ({
  protocol,
  remote: { address: '192.0.2.7', port: 50_123 },
});

describe('I7 which bindings are reached over the connection they were registered on (RFC 7118 §5)', () => {
  it('I7 records the WebSocket flow of a browser whose Contact is a .invalid host', () => {
    expect(registrationFlow('sip:alice@df7jal23ls0d.invalid;transport=ws', over('ws'))).toEqual({
      protocol: 'ws',
      address: '192.0.2.7',
      port: 50_123,
    });
  });

  it('I7 records the flow of any WebSocket client, whatever its Contact names', () => {
    expect(registrationFlow('sip:alice@192.0.2.7:5060', over('wss'))?.protocol).toBe('wss');
  });

  it('I7 records a TCP or TLS flow only when the Contact cannot be dialled (.invalid, or transport ws)', () => {
    expect(registrationFlow('sip:alice@x.invalid', over('tcp'))?.protocol).toBe('tcp');
    expect(registrationFlow('sip:alice@host.a.example.com;transport=ws', over('tls'))?.protocol).toBe('tls');
    expect(registrationFlow('sip:alice@192.0.2.7:5060;transport=tcp', over('tcp'))).toBeUndefined();
  });

  it('I7 never records a UDP flow, nor one for a REGISTER with no known arrival', () => {
    expect(registrationFlow('sip:alice@x.invalid', over('udp'))).toBeUndefined();
    expect(registrationFlow('sip:alice@x.invalid', undefined)).toBeUndefined();
  });
});

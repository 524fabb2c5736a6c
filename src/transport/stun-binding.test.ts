import { describe, expect, it } from 'vitest';
import { bindingRequestId, bindingSuccess, looksLikeStun, readXorMappedAddress } from './stun-binding.js';

/** A Binding request as RFC 5769 §2.1 lays one out, without attributes. */
function bindingRequest(transactionId = Buffer.from('b7e7a701bc34d686fa87dfae', 'hex')): Buffer {
  const message = Buffer.alloc(20);
  message.writeUInt16BE(0x0001, 0);
  message.writeUInt16BE(0, 2);
  message.writeUInt32BE(0x2112a442, 4);
  transactionId.copy(message, 8);
  return message;
}

describe('I6 STUN Binding keepalive codec (RFC 5389, RFC 5626 §4.4.2)', () => {
  it('I6 tells STUN from SIP on one UDP port by the first byte (RFC 7983)', () => {
    expect(looksLikeStun(bindingRequest())).toBe(true);
    expect(looksLikeStun(Buffer.from('MESSAGE sip:alice@a.example.com SIP/2.0\r\n'))).toBe(false);
    expect(looksLikeStun(Buffer.from('SIP/2.0 200 OK\r\n'))).toBe(false);
    expect(looksLikeStun(Buffer.from('\r\n\r\n'))).toBe(false);
    expect(looksLikeStun(Buffer.alloc(0))).toBe(false);
  });

  it('I6 reads the transaction id of a Binding request and refuses anything else', () => {
    const id = Buffer.from('0102030405060708090a0b0c', 'hex');
    expect(bindingRequestId(bindingRequest(id))).toEqual(id);
    const wrongCookie = bindingRequest();
    wrongCookie.writeUInt32BE(0x2112a443, 4);
    const response = bindingRequest();
    response.writeUInt16BE(0x0101, 0);
    const badLength = bindingRequest();
    badLength.writeUInt16BE(8, 2);
    for (const refused of [wrongCookie, response, badLength, bindingRequest().subarray(0, 19)])
      expect(bindingRequestId(refused)).toBeUndefined();
  });

  it('I6 answers with XOR-MAPPED-ADDRESS for IPv4, as the RFC 5769 §2.2 test vector encodes 192.0.2.1:32853', () => {
    const id = Buffer.from('b7e7a701bc34d686fa87dfae', 'hex');
    const success = bindingSuccess(id, { address: '192.0.2.1', port: 32_853 });
    expect(success.readUInt16BE(0)).toBe(0x0101);
    expect(success.readUInt16BE(2)).toBe(12);
    expect(success.subarray(8, 20)).toEqual(id);
    // The attribute exactly as the test vector carries it: type 0x0020, length 8, family 1, x-port, x-address.
    expect(success.subarray(20).toString('hex')).toBe('002000080001a147e112a643');
    expect(readXorMappedAddress(success)).toEqual({ address: '192.0.2.1', port: 32_853 });
  });

  it('I6 answers with XOR-MAPPED-ADDRESS for IPv6, the address masked with the cookie and transaction id (RFC 5769 §2.3)', () => {
    const id = Buffer.from('b7e7a701bc34d686fa87dfae', 'hex');
    const success = bindingSuccess(id, { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32_853 });
    expect(success.subarray(20).toString('hex')).toBe('002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9');
    expect(readXorMappedAddress(success)).toEqual({ address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32_853 });
    const compressed = bindingSuccess(id, { address: '::1', port: 5060 });
    expect(readXorMappedAddress(compressed)).toEqual({ address: '0:0:0:0:0:0:0:1', port: 5060 });
  });
});

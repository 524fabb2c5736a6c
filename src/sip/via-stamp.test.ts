import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseVia } from './via.js';
import { datagramResponsePort, stampVia } from './via-stamp.js';

const SOURCE = { address: '10.0.0.99', port: 40_000 };

function stamped(value: string, source = SOURCE) {
  return parseVia(stampVia(value, parseVia(value), source));
}

describe('B3 the top Via says where a request came from (RFC 3261 §18.2.1, RFC 3581)', () => {
  it('adds received when the sent-by host is not the source address', () => {
    expect(stamped('SIP/2.0/UDP pc.a.example.com:5070;branch=z9hG4bK1')).toMatchObject({
      received: '10.0.0.99',
      rport: undefined,
    });
  });

  it('leaves a Via alone when it names the source address and asks for nothing', () => {
    const value = 'SIP/2.0/UDP 10.0.0.99:5070;branch=z9hG4bK1';
    expect(stampVia(value, parseVia(value), SOURCE)).toBe(value);
  });

  it('fills rport with the source port, and adds received even for the same address (RFC 3581 §4)', () => {
    expect(stamped('SIP/2.0/UDP 10.0.0.99:5070;branch=z9hG4bK1;rport')).toMatchObject({
      received: '10.0.0.99',
      rport: 40_000,
    });
  });

  it('replaces whatever received and rport the sender wrote, for any values', () => {
    const host = fc.oneof(
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((a) => `[${a}]`),
    );
    const param = fc.constantFrom(
      'received=192.0.2.66',
      'rport=9',
      'rport',
      'RECEIVED = 203.0.113.5',
      'x=1',
      'rport = 7',
    );
    fc.assert(
      fc.property(host, fc.array(param, { maxLength: 4 }), (sentBy, params) => {
        const value = `SIP/2.0/UDP ${sentBy}:5070;branch=z9hG4bK1${params.map((p) => `;${p}`).join('')}`;
        const via = stamped(value);
        const askedRport = params.some((p) => p.startsWith('rport'));
        expect(via.received ?? sentBy).toBe(sentBy === SOURCE.address ? sentBy : SOURCE.address);
        if (askedRport) expect(via.rport).toBe(SOURCE.port);
        expect(via.params.get('x') ?? null).toBe(params.includes('x=1') ? '1' : null);
      }),
      { seed: 3581, numRuns: 300 },
    );
  });

  it('sends datagram answers to the source port only when rport asked, else the sent-by port', () => {
    expect(datagramResponsePort(parseVia('SIP/2.0/UDP h.example:5070;rport'), SOURCE)).toBe(40_000);
    expect(datagramResponsePort(parseVia('SIP/2.0/UDP h.example:5070'), SOURCE)).toBe(5070);
    expect(datagramResponsePort(parseVia('SIP/2.0/UDP h.example'), SOURCE)).toBe(5060);
    expect(datagramResponsePort(undefined, SOURCE)).toBe(40_000);
  });
});

// The hunters hunted (B1, B3): the egress rule and the pcap reader on packets made here, no
// socket, so a green adversarial run means the edge sent nothing wrong, not that the rule saw nothing.

import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { readEgress, type EgressPacket } from './egress-capture.js';
import { clientsKey, egressViolations, type EgressWorld } from './egress-rule.js';

const EDGE = '10.213.9.2';
const WORLD = '10.213.9.1';
const TOKEN = 'abc123';

const world: EgressWorld = {
  edge: EDGE,
  world: WORLD,
  peerPort: 40_000,
  resolver: { address: WORLD, port: 20_000 },
  phonePort: 41_000,
  edgePorts: [5060, 5061, 8080],
  internalPort: 5060,
  token: TOKEN,
  clients: new Map([
    [clientsKey('udp', 42_000), 7],
    [clientsKey('tcp', 43_000), 8],
  ]),
  honestContacts: new Set(),
  windows: [
    { index: 7, start: 0, end: 1_000 },
    { index: 8, start: 0, end: 1_000 },
  ],
};

function packet(overrides: Partial<EgressPacket> & Pick<EgressPacket, 'destination'>): EgressPacket {
  return {
    time: 500,
    interface: 'seb',
    protocol: 'udp',
    source: { address: EDGE, port: 5060 },
    opensConnection: false,
    payload: Buffer.alloc(0),
    ...overrides,
  };
}

const response = (callId: string) =>
  Buffer.from(`SIP/2.0 200 OK\r\nCall-ID: ${callId}\r\nContent-Length: 0\r\n\r\n`, 'latin1');

describe('B1 B3 the egress rule of the adversarial layer', () => {
  it("B1 allows mutual TLS to the peer, the registered contact and a softphone's own answer", () => {
    const allowed = [
      packet({
        protocol: 'tcp',
        source: { address: EDGE, port: 50_000 },
        destination: { address: WORLD, port: 40_000 },
        opensConnection: true,
      }),
      packet({
        destination: { address: WORLD, port: 41_000 },
        payload: Buffer.from('MESSAGE sip:alice@x SIP/2.0\r\n\r\n'),
      }),
      packet({ destination: { address: WORLD, port: 42_000 }, payload: response(`adv-${TOKEN}-7`) }),
      packet({
        protocol: 'tcp',
        source: { address: EDGE, port: 5060 },
        destination: { address: WORLD, port: 43_000 },
        payload: response(`adv-${TOKEN}-8`),
      }),
    ];
    expect(egressViolations(allowed, world)).toEqual([]);
  });

  it("B3 allows a NOTIFY in a softphone's own subscription back to its source, and flags one of another case", () => {
    const notify = (callId: string) =>
      Buffer.from(`NOTIFY sip:c@127.66.0.7 SIP/2.0\r\nCall-ID: ${callId}\r\nContent-Length: 0\r\n\r\n`, 'latin1');
    expect(
      egressViolations(
        [packet({ destination: { address: WORLD, port: 42_000 }, payload: notify(`adv-${TOKEN}-7`) })],
        world,
      ),
    ).toEqual([]);
    const found = egressViolations(
      [packet({ destination: { address: WORLD, port: 42_000 }, payload: notify(`adv-${TOKEN}-8`) })],
      world,
    );
    expect(found.map((v) => v.kind)).toEqual(['B1']);
  });

  it('B1 MUST flag a plaintext request to a host the Request-URI named, attributed by its Call-ID', () => {
    const [violation, ...rest] = egressViolations(
      [
        packet({
          interface: 'lo',
          source: { address: '127.0.0.1', port: 5060 },
          destination: { address: '127.66.0.9', port: 5060 },
          payload: Buffer.from(`MESSAGE sip:bob@127.66.0.9 SIP/2.0\r\nCall-ID: adv-${TOKEN}-9\r\n\r\n`),
        }),
      ],
      world,
    );
    expect(rest).toEqual([]);
    expect(violation).toMatchObject({ kind: 'B1', caseIndex: 9 });
    expect(violation?.what).toContain('UDP datagram to 127.66.0.9:5060');
  });

  it("B3 MUST flag another case's answer sent to a softphone, and a lookup of a name a Via carried", () => {
    const lookup = dnsPacket.encode({
      type: 'query',
      id: 1,
      questions: [{ type: 'A', name: `via12.${TOKEN}.invalid` }],
    });
    const found = egressViolations(
      [
        packet({ destination: { address: WORLD, port: 42_000 }, payload: response(`adv-${TOKEN}-8`) }),
        packet({
          source: { address: EDGE, port: 33_333 },
          destination: { address: WORLD, port: 20_000 },
          payload: lookup,
        }),
        packet({
          source: { address: EDGE, port: 33_334 },
          destination: { address: '127.0.0.53', port: 53 },
          interface: 'lo',
          payload: lookup,
        }),
      ],
      world,
    );
    expect(found.map((v) => [v.kind, v.caseIndex])).toEqual([
      ['B3', 8],
      ['B3', 12],
      ['B3', 12],
    ]);
  });

  it('B3 ignores what the kernel sends for hosts nobody serves on the namespace loopback', () => {
    expect(
      egressViolations(
        [
          packet({
            interface: 'lo',
            protocol: 'tcp',
            source: { address: '127.66.0.9', port: 5061 },
            destination: { address: '127.0.0.1', port: 50_123 },
          }),
        ],
        world,
      ),
    ).toEqual([]);
  });
});

describe('B1 the capture reader', () => {
  it('B1 keeps what leaves the edge and drops what arrives, from a LINUX_SLL2 pcap', () => {
    const udp = (from: string, to: string) => {
      const ip = Buffer.alloc(28 + 4);
      ip[0] = 0x45;
      ip.writeUInt16BE(ip.length, 2);
      ip[9] = 17;
      Buffer.from(from.split('.').map(Number)).copy(ip, 12);
      Buffer.from(to.split('.').map(Number)).copy(ip, 16);
      ip.writeUInt16BE(5060, 20);
      ip.writeUInt16BE(9999, 22);
      ip.write('ping', 28, 'latin1');
      return ip;
    };
    const frame = (ifindex: number, packetType: number, ip: Buffer) => {
      const sll = Buffer.alloc(20);
      sll.writeUInt16BE(0x0800, 0);
      sll.writeUInt32BE(ifindex, 4);
      sll[10] = packetType;
      const record = Buffer.alloc(16);
      record.writeUInt32LE(1, 0);
      record.writeUInt32LE(20 + ip.length, 8);
      record.writeUInt32LE(20 + ip.length, 12);
      return Buffer.concat([record, sll, ip]);
    };
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt32LE(276, 20);
    const pcap = Buffer.concat([
      header,
      frame(2, 4, udp(EDGE, WORLD)), // outgoing on the link: kept
      frame(2, 0, udp(WORLD, EDGE)), // arriving on the link: dropped
      frame(3, 3, udp(EDGE, '198.51.100.1')), // the sink's far end: dropped (seen on sink0 already)
      frame(4, 4, udp(EDGE, '198.51.100.1')), // outgoing on the sink: kept
    ]);
    const packets = readEgress(
      pcap,
      new Map([
        [1, 'lo'],
        [2, 'seb'],
        [3, 'sink1'],
        [4, 'sink0'],
      ]),
      'seb',
    );
    expect(
      packets.map((p) => `${p.interface} ${p.destination.address}:${p.destination.port} ${p.payload.toString()}`),
    ).toEqual([`seb ${WORLD}:9999 ping`, 'sink0 198.51.100.1:9999 ping']);
  });
});

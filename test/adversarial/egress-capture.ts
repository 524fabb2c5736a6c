// What the edge really sends, seen from outside its process: tcpdump inside the edge's own network
// namespace writes a pcap, and this file reads it back. Only packets leaving the edge are kept —
// outgoing on the link to the world, outgoing on the sink (the default route), and anything on the
// namespace's loopback, where only the edge lives — so the verdicts never depend on the edge's logs.

import { readFileSync } from 'node:fs';
import { Tcpdump } from '../support/packet-capture.js';
import type { NetworkNamespace } from './network-namespace.js';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** One IP packet the edge sent. */
export interface EgressPacket {
  /** Milliseconds since the epoch (the capture's clock, the same as Date.now()). */
  readonly time: number;
  readonly interface: string;
  readonly protocol: 'udp' | 'tcp';
  readonly source: Endpoint;
  readonly destination: Endpoint;
  /** A TCP SYN without ACK: the edge opening a connection. */
  readonly opensConnection: boolean;
  readonly payload: Buffer;
}

const LINKTYPE_LINUX_SLL2 = 276;
const PACKET_OUTGOING = 4;
// Cheap in the kernel: the namespace carries only the edge's traffic; neighbour chatter is dropped.
const CAPTURE_FILTER = '(udp or tcp) and not (ip6 and icmp6)';

export class EgressCapture {
  readonly #tcpdump: Tcpdump;
  readonly #ns: NetworkNamespace;

  private constructor(tcpdump: Tcpdump, ns: NetworkNamespace) {
    this.#tcpdump = tcpdump;
    this.#ns = ns;
  }

  /** Starts tcpdump on every interface of the namespace; resolves once it is listening. */
  static async start(ns: NetworkNamespace, file: string): Promise<EgressCapture> {
    const tcpdump = await Tcpdump.start({
      file,
      filter: CAPTURE_FILTER,
      prefix: ['ip', 'netns', 'exec', ns.name],
      args: ['-y', 'LINUX_SLL2', '-s', '4096'],
    });
    return new EgressCapture(tcpdump, ns);
  }

  /** Stops tcpdump and returns every packet the edge sent. */
  async stop(): Promise<EgressPacket[]> {
    await this.#tcpdump.stop();
    return readEgress(readFileSync(this.#tcpdump.file), await this.#ns.interfaceIndexes(), this.#ns.interfaces.link);
  }
}

/** The packets of a LINUX_SLL2 pcap that the edge sent (see the header comment). */
export function readEgress(pcap: Buffer, interfaces: ReadonlyMap<number, string>, link: string): EgressPacket[] {
  if (pcap.length < 24) return [];
  const little = pcap.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (offset: number) => (little ? pcap.readUInt32LE(offset) : pcap.readUInt32BE(offset));
  const nanoseconds = (little ? pcap.readUInt32LE(0) : pcap.readUInt32BE(0)) === 0xa1b23c4d;
  if (u32(20) !== LINKTYPE_LINUX_SLL2) throw new Error(`pcap link type ${u32(20)}, expected LINUX_SLL2`);
  const packets: EgressPacket[] = [];
  for (let offset = 24; offset + 16 <= pcap.length;) {
    const time = u32(offset) * 1000 + u32(offset + 4) / (nanoseconds ? 1e6 : 1e3);
    const length = u32(offset + 8);
    const frame = pcap.subarray(offset + 16, offset + 16 + length);
    offset += 16 + length;
    if (frame.length < 20) continue;
    const name = interfaces.get(frame.readUInt32BE(4)) ?? 'unknown';
    const outgoing = frame[10] === PACKET_OUTGOING;
    if (!(name === 'lo' || (outgoing && (name === link || name === 'sink0')))) continue;
    const packet = ipPacket(frame.readUInt16BE(0), frame.subarray(20));
    if (packet !== undefined) packets.push({ time, interface: name, ...packet });
  }
  return packets;
}

type Transported = Omit<EgressPacket, 'time' | 'interface'>;

function ipPacket(etherType: number, ip: Buffer): Transported | undefined {
  if (etherType === 0x0800 && ip.length >= 20) {
    const headerLength = (ip[0]! & 0x0f) * 4;
    const total = Math.min(ip.readUInt16BE(2), ip.length);
    return transport(
      ip[9]!,
      [...ip.subarray(12, 16)].join('.'),
      [...ip.subarray(16, 20)].join('.'),
      ip.subarray(headerLength, total),
    );
  }
  if (etherType === 0x86dd && ip.length >= 40) {
    return transport(
      ip[6]!,
      ipv6(ip.subarray(8, 24)),
      ipv6(ip.subarray(24, 40)),
      ip.subarray(40, 40 + ip.readUInt16BE(4)),
    );
  }
  return undefined;
}

function ipv6(bytes: Buffer): string {
  return Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':');
}

function transport(protocol: number, from: string, to: string, segment: Buffer): Transported | undefined {
  if (protocol === 17 && segment.length >= 8) {
    return {
      protocol: 'udp',
      source: { address: from, port: segment.readUInt16BE(0) },
      destination: { address: to, port: segment.readUInt16BE(2) },
      opensConnection: false,
      payload: segment.subarray(8),
    };
  }
  if (protocol === 6 && segment.length >= 20) {
    const flags = segment[13]!;
    const syn = (flags & 0x02) !== 0;
    const ack = (flags & 0x10) !== 0;
    return {
      protocol: 'tcp',
      source: { address: from, port: segment.readUInt16BE(0) },
      destination: { address: to, port: segment.readUInt16BE(2) },
      opensConnection: syn && !ack,
      payload: segment.subarray((segment[12]! >> 4) * 4),
    };
  }
  return undefined;
}

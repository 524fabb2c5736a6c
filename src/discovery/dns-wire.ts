// DNS messages on the wire (RFC 1035 §4), through dns-packet: a query out, a response in, decoded to
// the frozen records of dns-records.ts. Unknown types (RFC 3597) arrive as raw data and are read as
// TXT-format character-strings, which is what the MIMI stand-in records hold.

import * as packet from 'dns-packet';
import { canonicalName, type DnsRecord, type RecordType } from './dns-records.js';

export interface DecodedResponse {
  readonly id: number;
  readonly truncated: boolean;
  readonly rcode: string;
  readonly questionName: string;
  readonly questionType: string;
  readonly answers: readonly DnsRecord[];
  readonly negativeTtl: number | undefined;
}

/** dns-packet names types it does not know UNKNOWN_nnn; RFC 3597 writes them TYPEnnn. */
function wireType(type: RecordType): string {
  return type.startsWith('TYPE') ? `UNKNOWN_${type.slice(4)}` : type;
}

function ourType(type: string): string {
  return type.startsWith('UNKNOWN_') ? `TYPE${type.slice(8)}` : type;
}

export function encodeQuery(options: {
  id: number;
  name: string;
  type: RecordType;
  ednsUdpPayloadBytes: number;
}): Buffer {
  const additionals: packet.Answer[] =
    options.ednsUdpPayloadBytes > 0
      ? [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: options.ednsUdpPayloadBytes,
            flags: 0,
            options: [],
          } as unknown as packet.Answer,
        ]
      : [];
  return packet.encode({
    type: 'query',
    id: options.id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type: wireType(options.type) as packet.RecordType, name: options.name }],
    additionals,
  });
}

/** RFC 1035 §4.2.2: over TCP every message is preceded by its two-byte length. */
export function frameForTcp(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(message.length + 2);
  framed.writeUInt16BE(message.length, 0);
  message.copy(framed, 2);
  return framed;
}

/** Throws on a packet dns-packet cannot read; the transport treats that as a failed attempt. */
export function decodeResponse(bytes: Buffer): DecodedResponse {
  const decoded = packet.decode(bytes) as packet.DecodedPacket & { rcode?: string };
  const question = decoded.questions?.[0];
  return {
    id: decoded.id ?? -1,
    truncated: decoded.flag_tc,
    rcode: decoded.rcode ?? 'NOERROR',
    questionName: canonicalName(question?.name ?? ''),
    questionType: ourType(String(question?.type ?? '')),
    answers: (decoded.answers ?? []).map(toRecord).filter((r): r is DnsRecord => r !== undefined),
    negativeTtl: negativeTtl(decoded.authorities ?? []),
  };
}

function toRecord(answer: packet.Answer): DnsRecord | undefined {
  if (answer.type === 'OPT') return undefined;
  const name = canonicalName(answer.name);
  const ttl = answer.ttl ?? 0;
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return Object.freeze({ type: answer.type, name, ttl, address: answer.data });
    case 'CNAME':
      return Object.freeze({ type: 'CNAME', name, ttl, target: canonicalName(answer.data) });
    case 'SRV':
      return Object.freeze({
        type: 'SRV',
        name,
        ttl,
        priority: answer.data.priority ?? 0,
        weight: answer.data.weight ?? 0,
        port: answer.data.port,
        target: canonicalName(answer.data.target),
      });
    case 'NAPTR':
      return Object.freeze({
        type: 'NAPTR',
        name,
        ttl,
        ...answer.data,
        replacement: canonicalName(answer.data.replacement),
      });
    case 'TXT':
      return Object.freeze({ type: 'TXT', name, ttl, strings: Object.freeze(txtStrings(answer.data)) });
    default:
      return unknownRecord(answer, name, ttl);
  }
}

function unknownRecord(answer: packet.Answer, name: string, ttl: number): DnsRecord | undefined {
  const type = ourType(String(answer.type));
  const data = (answer as { data?: unknown }).data;
  if (!/^TYPE\d+$/.test(type) || !Buffer.isBuffer(data)) return undefined;
  const strings = characterStrings(data);
  return strings === undefined
    ? undefined
    : Object.freeze({ type: type as `TYPE${number}`, name, ttl, strings: Object.freeze(strings) });
}

function txtStrings(data: packet.TxtData): string[] {
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((part) => (typeof part === 'string' ? part : part.toString('utf8')));
}

/** RFC 1035 §3.3: <character-string> is a length octet and that many octets; undefined if it overruns. */
function characterStrings(data: Buffer): string[] | undefined {
  const strings: string[] = [];
  for (let offset = 0; offset < data.length;) {
    const length = data[offset] ?? 0;
    if (offset + 1 + length > data.length) return undefined;
    strings.push(data.toString('utf8', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  return strings;
}

/** RFC 2308 §5: a negative answer lives for the lesser of the SOA's TTL and its MINIMUM field. */
function negativeTtl(authorities: readonly packet.Answer[]): number | undefined {
  for (const record of authorities) {
    if (record.type === 'SOA') return Math.min(record.ttl ?? 0, record.data.minimum ?? 0);
  }
  return undefined;
}

// The STUN Binding exchange RFC 5626 §4.4.2 uses as the keepalive of a UDP flow (SPEC I6): a client
// sends a Binding request to the SIP port, the edge answers with a success response whose
// XOR-MAPPED-ADDRESS tells the client the address and port its packets come from (RFC 5389 §7.3.1,
// §15.2). Only what a keepalive needs: no authentication, no FINGERPRINT, no other methods.

import { isIPv4, isIPv6 } from 'node:net';
import type { Endpoint } from './flow.js';

const HEADER_BYTES = 20;
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;
const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;

/**
 * RFC 7983 §7 (after RFC 5764 §5.1.2): a datagram whose first byte is 0-3 is STUN. A SIP message
 * starts with a method or `SIP/2.0`, a keepalive with CR: neither is below 4, so the SIP UDP port
 * can carry both.
 */
export function looksLikeStun(datagram: Buffer): boolean {
  return datagram.length > 0 && datagram[0]! < 4;
}

/** The transaction id of a well-formed Binding request, or undefined for anything else (dropped). */
export function bindingRequestId(datagram: Buffer): Buffer | undefined {
  if (datagram.length < HEADER_BYTES) return undefined;
  const type = datagram.readUInt16BE(0);
  const length = datagram.readUInt16BE(2);
  // RFC 5389 §6: the length counts the attributes after the header, always a multiple of 4.
  if (type !== BINDING_REQUEST || length % 4 !== 0 || HEADER_BYTES + length !== datagram.length) return undefined;
  if (datagram.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  return datagram.subarray(8, HEADER_BYTES);
}

/** RFC 5389 §7.3.1: the success response carrying the request's source as XOR-MAPPED-ADDRESS. */
export function bindingSuccess(transactionId: Buffer, source: Endpoint): Buffer {
  const ipv6 = isIPv6(source.address);
  if (!ipv6 && !isIPv4(source.address)) throw new Error(`not an IP address: ${source.address}`);
  const addressBytes = ipv6 ? 16 : 4;
  const attributeLength = 4 + addressBytes;
  const message = Buffer.alloc(HEADER_BYTES + 4 + attributeLength);
  message.writeUInt16BE(BINDING_SUCCESS, 0);
  message.writeUInt16BE(4 + attributeLength, 2);
  message.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(message, 8);
  message.writeUInt16BE(XOR_MAPPED_ADDRESS, 20);
  message.writeUInt16BE(attributeLength, 22);
  message.writeUInt8(0, 24);
  message.writeUInt8(ipv6 ? FAMILY_IPV6 : FAMILY_IPV4, 25);
  // §15.2: the port XORed with the cookie's top 16 bits, the address with the cookie (and, for IPv6,
  // the transaction id after it).
  message.writeUInt16BE(source.port ^ (MAGIC_COOKIE >>> 16), 26);
  const address = ipv6 ? ipv6Bytes(source.address) : ipv4Bytes(source.address);
  const mask = message.subarray(4, 4 + addressBytes); // the cookie, then the transaction id
  for (let i = 0; i < addressBytes; i++) message[28 + i] = address[i]! ^ mask[i]!;
  return message;
}

/** The address and port a success response maps (for tests and clients). */
export function readXorMappedAddress(response: Buffer): Endpoint | undefined {
  if (response.length < HEADER_BYTES || response.readUInt16BE(0) !== BINDING_SUCCESS) return undefined;
  let offset = HEADER_BYTES;
  while (offset + 4 <= response.length) {
    const type = response.readUInt16BE(offset);
    const length = response.readUInt16BE(offset + 2);
    if (type === XOR_MAPPED_ADDRESS && offset + 4 + length <= response.length) {
      const family = response.readUInt8(offset + 5);
      const port = response.readUInt16BE(offset + 6) ^ (MAGIC_COOKIE >>> 16);
      const size = family === FAMILY_IPV6 ? 16 : 4;
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = response[offset + 8 + i]! ^ response[4 + i]!;
      return { address: family === FAMILY_IPV6 ? formatIpv6(bytes) : [...bytes].join('.'), port };
    }
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return undefined;
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  const mapped = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  const text = mapped === null ? address : `${mapped[1]}${ipv4AsHex(mapped[2]!)}`;
  const [head = '', tail] = text.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const middle = new Array<string>(8 - left.length - right.length).fill('0');
  const bytes = Buffer.alloc(16);
  [...left, ...middle, ...right].forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

function ipv4AsHex(address: string): string {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

function formatIpv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

// The egress rule of the border (B1, B3), applied to what the capture saw the edge send. Allowed:
//   - TCP to the allowed peer's mutual-TLS listener (its payload is TLS; what crossed is known from
//     the peer's side, decrypted, and must have an audit line: checked per case, not here);
//   - UDP from the internal listener to the registered contact of a community user;
//   - UDP from the internal listener to a softphone's source address and port carrying a response
//     to that softphone's own request (RFC 3261 §18.2.2, RFC 3581); TCP replies on connections the
//     test's side opened (the softphones', the peer client's, the admin scrape's);
//   - DNS to the configured resolver, except lookups of names a Via, Contact, From or Record-Route
//     carried (a spoofed field must steer nothing: B3);
//   - the edge talking to its own address.
// Everything else is a violation, attributed to the case whose Call-ID, address or name it carries,
// or else to the cases in flight when it was sent.

import * as dnsPacket from 'dns-packet';
import type { EgressPacket, Endpoint } from './egress-capture.js';
import { SPOOFED_SENT_BY_PORT } from './request-addressing.js';

export type ViolationKind = 'B1' | 'B3';

export interface Violation {
  readonly kind: ViolationKind;
  readonly what: string;
  /** The case the packet names (Call-ID, case address or case name), if any. */
  readonly caseIndex: number | undefined;
  /** Otherwise the cases in flight when it was sent. */
  readonly candidates: readonly number[];
}

export interface EgressWorld {
  readonly edge: string;
  readonly world: string;
  readonly peerPort: number;
  readonly resolver: Endpoint;
  readonly phonePort: number;
  /** The edge's listener ports (internal UDP/TCP, external TLS, admin). */
  readonly edgePorts: readonly number[];
  readonly internalPort: number;
  readonly token: string;
  /** Source port of each case's softphone → the case (UDP and TCP); the latest when a port was reused. */
  readonly clients: ReadonlyMap<string, number>;
  /** Each case → its softphone's source port: a port the OS gave to a later case still answers the earlier one. */
  readonly caseClients?: ReadonlyMap<number, string>;
  /** Softphones whose Contact named their own address: in-dialog requests to them are theirs (NOTIFY). */
  readonly honestContacts: ReadonlySet<string>;
  /** When each case was in flight (ms since the epoch). */
  readonly windows: ReadonlyArray<{ readonly index: number; readonly start: number; readonly end: number }>;
}

const SPOOFABLE_FIELDS = new Set(['via', 'contact', 'from', 'rr']);

const endpoint = (e: Endpoint) => `${e.address}:${e.port}`;
const clientKey = (transport: 'udp' | 'tcp', port: number) => `${transport}:${port}`;

export function clientsKey(transport: 'udp' | 'tcp', port: number): string {
  return clientKey(transport, port);
}

export function egressViolations(packets: readonly EgressPacket[], world: EgressWorld): Violation[] {
  const violations: Violation[] = [];
  const reported = new Set<string>();
  const flowsSeen = new Set<string>();
  const callIdPattern = new RegExp(`adv-${world.token}-(\\d+)`);
  const namePattern = new RegExp(`^(via|contact|from|rr|route|maddr|dom)(\\d+)\\.${world.token}\\.invalid\\.?$`, 'i');

  // A connection's first packets carry no Call-ID; a later one on the same flow may name the case.
  const flowCase = new Map<string, string>();
  const flowLine = new Map<string, string>();
  for (const packet of packets.filter((p) => p.protocol === 'tcp')) {
    const text = packet.payload.toString('latin1');
    const id = callIdPattern.exec(text)?.[1];
    if (id !== undefined && !flowCase.has(flowOf(packet))) flowCase.set(flowOf(packet), id);
    if (/^[A-Z]+ \S+ SIP\/2\.0\r\n/.test(text) && !flowLine.has(flowOf(packet)))
      flowLine.set(flowOf(packet), text.split('\r\n')[0]!.slice(0, 80));
  }
  const attribute = (
    packet: EgressPacket,
    names: readonly string[] = [],
  ): { caseIndex: number | undefined; candidates: number[] } => {
    const text = packet.payload.toString('latin1');
    const byCallId =
      callIdPattern.exec(text)?.[1] ?? (packet.protocol === 'tcp' ? flowCase.get(flowOf(packet)) : undefined);
    const byAddress = /^127\.66\.(\d+)\.(\d+)$/.exec(packet.destination.address);
    const byPublicAddress = /^198\.51\.100\.(\d+)$/.exec(packet.destination.address);
    const byName = names.map((n) => namePattern.exec(n)?.[2]).find((n) => n !== undefined);
    const byClient = world.clients.get(clientKey(packet.protocol, packet.destination.port));
    const caseIndex =
      byCallId !== undefined
        ? Number(byCallId)
        : byName !== undefined
          ? Number(byName)
          : byAddress !== null
            ? Number(byAddress[1]) * 256 + Number(byAddress[2])
            : byPublicAddress !== null
              ? Number(byPublicAddress[1]) - 1 // casePublicAddress()
              : packet.destination.address === world.world
                ? byClient
                : undefined;
    const candidates =
      caseIndex !== undefined
        ? []
        : world.windows.filter((w) => w.start <= packet.time + 5 && packet.time <= w.end + 50).map((w) => w.index);
    return { caseIndex, candidates };
  };
  const flag = (kind: ViolationKind, packet: EgressPacket, what: string, names: readonly string[] = []) => {
    // One line per distinct act: retransmissions and A/AAAA pairs say nothing new.
    if (reported.has(what)) return;
    reported.add(what);
    violations.push({
      kind,
      what: `${what} [${packet.protocol.toUpperCase()} ${endpoint(packet.source)} → ${endpoint(packet.destination)} on ${packet.interface}]`,
      ...attribute(packet, names),
    });
  };

  for (const packet of packets) {
    const to = packet.destination;
    const from = packet.source;
    if (to.address === world.edge || to.address === from.address) continue; // the edge talking to itself
    // On the namespace's loopback the kernel answers for hosts nobody serves (RST, ICMP): only what
    // leaves from the edge's own loopback or link address is the edge's.
    if (packet.interface === 'lo' && from.address !== '127.0.0.1' && from.address !== world.edge) continue;
    if (packet.protocol === 'tcp' && to.address === world.world && to.port === world.peerPort) continue; // mutual TLS to the peer
    const dns = dnsQuestions(packet);
    if (to.address === world.resolver.address && to.port === world.resolver.port) {
      for (const name of dns) {
        const field = namePattern.exec(name)?.[1]?.toLowerCase();
        if (field !== undefined && SPOOFABLE_FIELDS.has(field))
          flag('B3', packet, `DNS lookup of ${name}, a host a request's ${field} header named`, [name]);
      }
      continue;
    }
    if (to.port === 53) {
      flag(
        'B3',
        packet,
        `DNS query to ${to.address}, which is not a configured resolver (asked: ${dns.join(', ') || 'unreadable'})`,
        dns,
      );
      continue;
    }
    const firstLine =
      flowLine.get(flowOf(packet)) ?? packet.payload.toString('latin1').split('\r\n')[0]?.slice(0, 80) ?? '';
    const isResponse = firstLine.startsWith('SIP/2.0 ');
    if (to.address === world.world && from.address === world.edge) {
      if (packet.protocol === 'udp' && from.port === world.internalPort) {
        if (to.port === world.phonePort) continue; // the registered contact of a community user
        const owner = world.clients.get(clientKey('udp', to.port));
        const callId = callIdPattern.exec(packet.payload.toString('latin1'))?.[1];
        const sentFromHere =
          callId !== undefined &&
          (Number(callId) === owner || world.caseClients?.get(Number(callId)) === clientKey('udp', to.port));
        if (isResponse && sentFromHere) continue; // its own answer, at its source
        if (owner !== undefined && !isResponse && world.honestContacts.has(clientKey('udp', to.port))) continue; // e.g. NOTIFY to its own Contact
        // A request inside the dialog its own SUBSCRIBE made (the presence server's NOTIFY), back to where that came from.
        if (!isResponse && sentFromHere) continue;
        flag(
          isResponse ? 'B3' : 'B1',
          packet,
          `"${firstLine}" sent to ${endpoint(to)}, not the answer to a request from there`,
        );
        continue;
      }
      if (packet.protocol === 'tcp' && !packet.opensConnection && world.edgePorts.includes(from.port)) continue; // replies on the test side's connections
      // RFC 3261 §18.2.2: a response whose connection has closed goes over a new one to the source
      // address (`received`) at the sent-by port; that is the softphone's own address, no third party.
      if (
        packet.protocol === 'tcp' &&
        (world.clients.has(clientKey('tcp', to.port)) || to.port === SPOOFED_SENT_BY_PORT)
      )
        continue;
    }
    const flow = flowOf(packet);
    if (packet.protocol === 'tcp' && flowsSeen.has(flow)) continue;
    flowsSeen.add(flow);
    const how =
      packet.protocol === 'tcp'
        ? packet.opensConnection
          ? 'opened a TCP connection'
          : 'sent TCP data'
        : 'sent a UDP datagram';
    // The port only a spoofed Via names: whatever goes there was steered by it.
    const steered = isResponse || to.port === SPOOFED_SENT_BY_PORT;
    flag(steered ? 'B3' : 'B1', packet, `${how} to ${endpoint(to)}${firstLine === '' ? '' : `: "${firstLine}"`}`);
  }
  return violations;
}

function flowOf(packet: EgressPacket): string {
  return `${packet.protocol} ${endpoint(packet.source)} ${endpoint(packet.destination)}`;
}

function dnsQuestions(packet: EgressPacket): string[] {
  try {
    const decoded =
      packet.protocol === 'udp'
        ? dnsPacket.decode(packet.payload)
        : packet.payload.length > 2
          ? dnsPacket.streamDecode(packet.payload)
          : undefined;
    return (decoded?.questions ?? []).map((q) => q.name);
  } catch {
    return [];
  }
}

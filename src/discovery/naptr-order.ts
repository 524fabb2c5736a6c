// NAPTR ordering (RFC 3403 §4.1: order, then preference, both lower first) and the RFC 3263 §4.1
// choice among a SIP domain's NAPTR records.

import type { NaptrRecord } from './dns-records.js';

export type PeerTransport = 'tls' | 'tcp' | 'udp';

/** A stable sort by order, then preference. */
export function orderNaptrRecords<R extends Pick<NaptrRecord, 'order' | 'preference'>>(records: readonly R[]): R[] {
  return [...records].sort((a, b) => a.order - b.order || a.preference - b.preference);
}

// RFC 3263 §4.1 and RFC 3261 §26.5: the SIP resolution services and the transport each names.
const SIP_SERVICES: Readonly<Record<string, PeerTransport>> = { 'SIPS+D2T': 'tls', 'SIP+D2T': 'tcp', 'SIP+D2U': 'udp' };

export interface SipNaptrChoice {
  readonly record: NaptrRecord;
  readonly transport: PeerTransport;
}

/**
 * The records to follow, in the order to try them: only "s" records (their replacement is an SRV
 * name) for a transport the edge allows; the edge's transport preference first (TLS towards peers,
 * SPEC F2), then the domain's own order and preference.
 */
export function chooseSipNaptrRecords(
  records: readonly NaptrRecord[],
  transports: readonly PeerTransport[],
): SipNaptrChoice[] {
  const choices: SipNaptrChoice[] = [];
  for (const record of orderNaptrRecords(records)) {
    const transport = SIP_SERVICES[record.services.toUpperCase()];
    if (transport === undefined || !transports.includes(transport)) continue;
    if (record.flags.toLowerCase() !== 's' || record.replacement === '') continue;
    choices.push({ record, transport });
  }
  return choices.sort((a, b) => transports.indexOf(a.transport) - transports.indexOf(b.transport));
}

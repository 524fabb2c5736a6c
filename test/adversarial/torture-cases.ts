// The RFC 4475 / RFC 5118 torture messages as UDP cases for a running edge: what each must get back
// (an answer, maybe one, or none), which statuses its manifest rule allows, and where RFC 3261
// §18.2.2 and RFC 3581 send the answer when the test socket sends it from 127.0.0.1:<source port>.

import type { TortureCase } from '../conformance/torture-corpus.js';
import { parseVia, topVia, transactionKey, viaValues, type TopVia } from './sip-wire-text.js';

export interface UdpCase {
  readonly name: string;
  readonly bytes: Buffer;
  readonly text: string;
  readonly rule: string;
  /** required: every request RFC 3261 lets the edge answer; forbidden: responses (§18.1.2 discards strays). */
  readonly answer: 'required' | 'optional' | 'forbidden';
  readonly via: TopVia | undefined;
  readonly key: string;
}

export function isResponseText(text: string): boolean {
  return text.startsWith('SIP/');
}

export function udpCase(name: string, source: TortureCase, bytes: Buffer = source.bytes): UdpCase {
  const text = bytes.toString('latin1');
  // An invalid request the parser cannot answer (no Via, or a datagram cut short) may go unanswered;
  // the manifest says so with `silence`. Every other request must be answered, valid ones included.
  const answer = isResponseText(text)
    ? 'forbidden'
    : source.class === 'invalid' && source.udp.split('|').includes('silence')
      ? 'optional'
      : 'required';
  return { name, bytes, text, rule: source.udp, answer, via: topVia(text), key: transactionKey(text) };
}

/** Whether a final status passes the manifest rule ("4xx", "!400", "4xx|505", "any" …). */
export function statusAllowed(rule: string, status: number): boolean {
  return rule.split('|').some((alternative) => {
    if (alternative === 'any') return true;
    if (alternative === '4xx') return status >= 400 && status < 500;
    if (alternative === '!400') return status !== 400;
    return alternative === String(status);
  });
}

/**
 * RFC 3261 §18.2.2 for an unreliable transport, with RFC 3581: with `rport` the answer goes to the
 * source address and port; without, to the source address (the `received` the edge adds) at the
 * sent-by port, 5060 when the Via names none. A Via naming TCP or TLS that came over UDP has no
 * connection to answer on, so it is answered the same way.
 */
export function expectedPort(via: TopVia | undefined, sourcePort: number): number {
  if (via === undefined) return sourcePort;
  return via.params.has('rport') ? sourcePort : (via.port ?? 5060);
}

/**
 * A valid request again with `;rport` on its top Via (a single-valued UDP Via on one line) and a
 * branch of its own, so it opens a new transaction rather than repeating the first (§17.2.3).
 */
export function withRport(source: TortureCase): Buffer | undefined {
  const text = source.bytes.toString('latin1');
  if (source.class !== 'valid' || isResponseText(text)) return undefined;
  const line = /^(?:via|v)[ \t]*:[^\r\n]*$/im.exec(text);
  if (line === null) return undefined;
  const after = text.slice(line.index + line[0].length, line.index + line[0].length + 3);
  const via = parseVia(line[0].slice(line[0].indexOf(':') + 1).trim());
  if (via === undefined || via.transport !== 'UDP' || line[0].includes(',') || /^\r\n[ \t]/.test(after))
    return undefined;
  if (via.params.has('rport') || !(via.params.get('branch') ?? '').startsWith('z9hG4bK')) return undefined;
  const rewritten = `${line[0].replace('branch=z9hG4bK', 'branch=z9hG4bKrport-')};rport`;
  return Buffer.from(text.slice(0, line.index) + rewritten + text.slice(line.index + line[0].length), 'latin1');
}

/** Every host any Via of the corpus names (lowercase, IPv4-mapped IPv6 references as IPv4). */
export function viaHosts(cases: readonly UdpCase[]): Set<string> {
  const hosts = new Set<string>();
  for (const c of cases) {
    for (const value of viaValues(c.text)) {
      const via = parseVia(value);
      if (via === undefined) continue;
      hosts.add(via.host.toLowerCase().replace(/\.$/, ''));
      const received = via.params.get('received');
      if (received !== undefined && received !== '') hosts.add(received.replace(/^\[|\]$/g, '').toLowerCase());
    }
  }
  return hosts;
}

import { describe, expect, it } from 'vitest';
import { naptr } from '../../test/support/fake-dns-transport.js';
import type { NaptrRecord } from './dns-records.js';
import { chooseSipNaptrRecords, orderNaptrRecords } from './naptr-order.js';

const n = (...args: Parameters<typeof naptr>) => naptr(...args) as NaptrRecord;

describe('D2 NAPTR ordering (RFC 3403 §4.1, RFC 3263 §4.1)', () => {
  it('D2 orders by order, then preference, lower first, keeping ties stable', () => {
    const records = [
      n('d', 20, 10, 's', 'x', '', 'c'),
      n('d', 10, 50, 's', 'x', '', 'b'),
      n('d', 10, 5, 's', 'x', '', 'a'),
      n('d', 20, 10, 's', 'x', '', 'd'),
    ];
    expect(orderNaptrRecords(records).map((r) => r.replacement)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('D2 prefers TLS towards peers even when the domain orders TCP first', () => {
    const chosen = chooseSipNaptrRecords(
      [
        n('b', 10, 10, 's', 'SIP+D2T', '', '_sip._tcp.b'),
        n('b', 20, 10, 'S', 'sips+d2t', '', '_sips._tcp.b'),
        n('b', 30, 10, 's', 'SIP+D2U', '', '_sip._udp.b'),
      ],
      ['tls', 'tcp', 'udp'],
    );
    expect(chosen.map((c) => [c.transport, c.record.replacement])).toEqual([
      ['tls', '_sips._tcp.b'],
      ['tcp', '_sip._tcp.b'],
      ['udp', '_sip._udp.b'],
    ]);
  });

  it('D2 leaves out transports discovery.transports does not allow, non-SIP services and non-"s" records', () => {
    const chosen = chooseSipNaptrRecords(
      [
        n('b', 10, 10, 's', 'SIP+D2U', '', '_sip._udp.b'),
        n('b', 10, 10, 'u', 'SIPS+D2T', '!^.*$!sips:b!', ''),
        n('b', 10, 10, 's', 'XMPP+D2T', '', '_xmpp._tcp.b'),
        n('b', 10, 20, 's', 'SIPS+D2T', '', '_sips._tcp.b'),
      ],
      ['tls'],
    );
    expect(chosen.map((c) => c.record.replacement)).toEqual(['_sips._tcp.b']);
  });
});

import { describe, expect, it } from 'vitest';
import { seededRandom, srv } from '../../test/support/fake-dns-transport.js';
import type { SrvRecord } from './dns-records.js';
import { orderSrvRecords } from './srv-selection.js';

const records = (...list: ReturnType<typeof srv>[]) => list as SrvRecord[];

describe('D2 RFC 2782 SRV selection', () => {
  it('D2 tries a lower priority before a higher one, whatever the weights', () => {
    const ordered = orderSrvRecords(
      records(
        srv('_sip._tcp.b.example.net', 20, 100, 5060, 'backup.b.example.net'),
        srv('_sip._tcp.b.example.net', 10, 0, 5060, 'primary.b.example.net'),
      ),
      seededRandom(1),
    );
    expect(ordered.map((r) => r.target)).toEqual(['primary.b.example.net', 'backup.b.example.net']);
  });

  it('D2 picks within one priority in proportion to the weights (60/30/10 over 20,000 draws)', () => {
    const group = records(
      srv('_sip._tcp.w.example.net', 10, 60, 5060, 'sixty'),
      srv('_sip._tcp.w.example.net', 10, 30, 5060, 'thirty'),
      srv('_sip._tcp.w.example.net', 10, 10, 5060, 'ten'),
    );
    const random = seededRandom(42);
    const first = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const target = orderSrvRecords(group, random)[0]!.target;
      first.set(target, (first.get(target) ?? 0) + 1);
    }
    expect((first.get('sixty') ?? 0) / 20_000).toBeCloseTo(0.6, 1);
    expect((first.get('thirty') ?? 0) / 20_000).toBeCloseTo(0.3, 1);
    expect((first.get('ten') ?? 0) / 20_000).toBeCloseTo(0.1, 1);
  });

  it('D2 keeps every record of a group exactly once', () => {
    const group = records(srv('s', 1, 5, 1, 'a'), srv('s', 1, 0, 2, 'b'), srv('s', 1, 5, 3, 'c'));
    for (let seed = 0; seed < 50; seed++) {
      expect(
        orderSrvRecords(group, seededRandom(seed))
          .map((r) => r.target)
          .sort(),
      ).toEqual(['a', 'b', 'c']);
    }
  });

  it('RFC 2782 gives a zero-weight record a small chance, and weighted ones the rest', () => {
    const group = records(srv('s', 1, 0, 1, 'zero'), srv('s', 1, 100, 2, 'heavy'));
    const random = seededRandom(7);
    let zeroFirst = 0;
    for (let i = 0; i < 10_000; i++) if (orderSrvRecords(group, random)[0]!.target === 'zero') zeroFirst++;
    expect(zeroFirst).toBeGreaterThan(0);
    expect(zeroFirst).toBeLessThan(300);
  });

  it('RFC 2782 drops a target of "." (the service is decidedly not available)', () => {
    expect(orderSrvRecords(records(srv('s', 0, 0, 0, '')), seededRandom(1))).toEqual([]);
  });
});

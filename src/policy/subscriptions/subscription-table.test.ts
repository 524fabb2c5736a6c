import { describe, expect, it } from 'vitest';
import { SubscriptionTable, type DialogEntry } from './subscription-table.js';

const ENTRY: DialogEntry = {
  direction: 'inbound',
  createdAt: 1000,
  refreshedAt: 1000,
  expiresAt: 3_601_000,
  paramsDigest: 42,
  watcherCSeq: 7,
  notifierCSeq: 0,
};

describe('P7-P9 subscription dialog table', () => {
  it('MUST keep each dialog in a slot of typed arrays, with nothing notified yet', () => {
    const table = new SubscriptionTable({ maxDialogs: 10 });
    const slot = table.insert('d1', { ...ENTRY, direction: 'outbound' });
    expect(table.slotOf('d1')).toBe(slot);
    expect(table.idAt(slot)).toBe('d1');
    expect([table.get(slot, 'expiresAt'), table.get(slot, 'paramsDigest'), table.get(slot, 'watcherCSeq')]).toEqual([
      3_601_000, 42, 7,
    ]);
    expect(table.get(slot, 'notifyDigest')).toBeNaN();
    expect(table.direction(slot)).toBe('outbound');
    expect([table.partialState(slot), table.earlyRefreshes(slot)]).toEqual([false, 0]);
  });

  it('MUST reuse the slot of a removed dialog and start it afresh', () => {
    const table = new SubscriptionTable({ maxDialogs: 10 });
    const slot = table.insert('d1', ENTRY);
    table.setEarlyRefreshes(slot, 3);
    table.setPartialState(slot, true);
    table.set(slot, 'notifyDigest', 5);
    expect(table.remove('d1')).toBe(true);
    expect(table.slotOf('d1')).toBe(-1);
    expect(table.insert('d2', ENTRY)).toBe(slot);
    expect([table.earlyRefreshes(slot), table.partialState(slot), table.direction(slot)]).toEqual([
      0,
      false,
      'inbound',
    ]);
    expect(table.get(slot, 'notifyDigest')).toBeNaN();
    expect(table.size).toBe(1);
  });

  it('Y4 MUST refuse a dialog beyond maxDialogs and grow until then', () => {
    const table = new SubscriptionTable({ maxDialogs: 3000 });
    for (let i = 0; i < 3000; i++) expect(table.insert(`d${i}`, { ...ENTRY, expiresAt: i })).toBe(i);
    expect(table.insert('one-too-many', ENTRY)).toBe(-1);
    expect(table.get(table.slotOf('d2999'), 'expiresAt')).toBe(2999);
    expect(table.insert('d5', ENTRY)).toBe(5); // replacing a tracked one needs no new slot
  });

  it('MUST forget dialogs whose expiry has passed, and select others by their fields', () => {
    const table = new SubscriptionTable({ maxDialogs: 10 });
    table.insert('old', { ...ENTRY, expiresAt: 10 });
    table.insert('new', { ...ENTRY, expiresAt: 100, direction: 'outbound' });
    expect(table.removeExpired(50)).toBe(1);
    expect([table.slotOf('old'), table.size]).toEqual([-1, 1]);
    expect(table.select((slot) => table.direction(slot) === 'outbound', 10)).toEqual(['new']);
    expect(table.select(() => true, 0)).toEqual([]);
  });
});

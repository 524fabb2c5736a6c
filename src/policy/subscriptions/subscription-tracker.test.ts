import { describe, expect, it } from 'vitest';
import { PolicyFixture, reSubscribe, subscribe, subscribeOk } from '../../../test/support/policy-fixture.js';
import { MemoryStore } from '../../state/memory-store.js';
import type { StateStore } from '../../state/state-store.js';
import { trackSubscriptionResponses } from '../rules/subscription-dialogs.js';
import { inDialogId } from './dialog-id.js';
import { recordFromResponse, type SubscriptionRecord } from './subscription-record.js';
import { EXPIRY_GRACE_MS, SubscriptionTracker, subscriptionKey } from './subscription-tracker.js';

const DIALOG = inDialogId(reSubscribe())!;

function record(fixture: PolicyFixture, id: string, overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return { ...recordFromResponse(subscribe(), subscribeOk(), fixture.context)!, id, ...overrides };
}

describe('P7-P9 subscription tracker and the store', () => {
  it('MUST reload live subscriptions after a restart, and leave expired ones behind', async () => {
    const fixture = PolicyFixture.withSubscriptions();
    await trackSubscriptionResponses.check(subscribe(), subscribeOk(), fixture.context);
    await fixture.subscriptions!.create(record(fixture, 'short', { expiresAt: fixture.nowMs + 1000 }), fixture.nowMs);
    fixture.advanceSeconds(2);
    const restarted = new SubscriptionTracker({ store: fixture.store, maxDialogs: 100 });
    expect(await restarted.load(fixture.nowMs)).toBe(1);
    const slot = restarted.table.slotOf(DIALOG);
    expect(restarted.table.get(slot, 'expiresAt')).toBe(fixture.nowMs - 2000 + 3_600_000);
    expect(restarted.table.get(slot, 'notifyDigest')).toBeNaN(); // the first NOTIFY after a restart crosses
  });

  it('O7 MUST read a dialog another instance created through from the shared store', async () => {
    const fixture = PolicyFixture.withSubscriptions();
    await trackSubscriptionResponses.check(subscribe(), subscribeOk(), fixture.context);
    const other = new SubscriptionTracker({ store: fixture.store, maxDialogs: 100 });
    expect(other.table.slotOf(DIALOG)).toBe(-1);
    expect(await other.slotFor(DIALOG, fixture.nowMs)).toBeGreaterThanOrEqual(0);
    expect(await other.slotFor('unknown', fixture.nowMs)).toBe(-1);
  });

  it('Y4 MUST forget dialogs past their expiry and grace on each sweep', async () => {
    const fixture = PolicyFixture.withSubscriptions();
    const tracker = fixture.subscriptions!;
    await trackSubscriptionResponses.check(subscribe(), subscribeOk(600), fixture.context);
    fixture.advanceSeconds(600);
    expect(tracker.sweep(fixture.nowMs)).toBe(0);
    fixture.nowMs += EXPIRY_GRACE_MS + 1;
    expect(tracker.sweep(fixture.nowMs)).toBe(1);
    expect(await fixture.store.get(subscriptionKey(DIALOG))).toBeUndefined(); // the store's TTL ran out too
  });

  it('Y4 MUST cross untracked, and say so, when the table is full', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    const tracker = new SubscriptionTracker({ store: fixture.store, maxDialogs: 1000 });
    for (let i = 0; i <= 1000; i++) await tracker.create(record(fixture, `d${i}`), fixture.nowMs);
    expect([tracker.table.size, tracker.untracked]).toEqual([1000, 1]);
    expect(await fixture.store.get(subscriptionKey('d1000'))).toBeUndefined();
  });

  it('MUST keep tracking in memory when the store fails, and tell the log', async () => {
    const warnings: string[] = [];
    const failing = new Proxy(new MemoryStore(), {
      get: (target, name) => (name === 'set' ? () => Promise.reject(new Error('down')) : Reflect.get(target, name)),
    }) as StateStore;
    const fixture = PolicyFixture.withMemoryStore();
    const tracker = new SubscriptionTracker({
      store: failing,
      maxDialogs: 10,
      log: { warn: (_: unknown, msg: string) => warnings.push(msg) } as never,
    });
    await tracker.create(record(fixture, 'd1'), fixture.nowMs);
    expect(tracker.table.slotOf('d1')).toBe(0);
    expect(warnings).toEqual(['subscription dialog not persisted']);
  });

  it('X3 MUST find every external watcher of a presentity, across pages', async () => {
    const fixture = PolicyFixture.withSubscriptions();
    const tracker = fixture.subscriptions!;
    for (let i = 0; i < 1005; i++)
      await tracker.create(record(fixture, `w${String(i).padStart(4, '0')}`), fixture.nowMs);
    await tracker.create(record(fixture, 'ours', { direction: 'outbound' }), fixture.nowMs);
    const watchers = await tracker.watchersOf('sip:alice@a.example.com');
    expect(watchers).toHaveLength(1005);
    expect(watchers).not.toContain('ours');
  });
});

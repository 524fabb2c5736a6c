import { describe, expect, it } from 'vitest';
import {
  DIALOG_RECORD_ROUTE,
  NOTIFIER_CONTACT,
  notify,
  pidf,
  PolicyFixture,
  reSubscribe,
  response,
  subscribe,
  subscribeOk,
  WATCHER_CONTACT,
} from '../../../test/support/policy-fixture.js';
import { inDialogId } from '../subscriptions/dialog-id.js';
import { subscriptionKey } from '../subscriptions/subscription-tracker.js';
import type { SubscriptionRecord } from '../subscriptions/subscription-record.js';
import {
  trackInboundDialogRequests,
  trackOutboundDialogRequests,
  trackSubscriptionResponses,
} from './subscription-dialogs.js';
import { decideRequest } from '../run-chain.js';

const DIALOG = inDialogId(reSubscribe())!;

async function established(fixture = PolicyFixture.withSubscriptions(), expires = 3600) {
  await trackSubscriptionResponses.check(subscribe([`Expires: ${expires}`]), subscribeOk(expires), fixture.context);
  return fixture;
}

describe('P7-P9 subscription dialog bookkeeping', () => {
  it('MUST track the dialog a 2xx to SUBSCRIBE creates, keyed by Call-ID, both tags and the Event, and persist what P9 and X3 need', async () => {
    const fixture = await established();
    expect(inDialogId(notify('active', pidf('open')))).toBe(DIALOG);
    const slot = fixture.subscriptions!.table.slotOf(DIALOG);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(fixture.subscriptions!.table.get(slot, 'expiresAt')).toBe(fixture.nowMs + 3_600_000);
    const [entry] = await fixture.store.list<SubscriptionRecord>('sub:');
    expect(entry?.key).toBe(subscriptionKey(DIALOG));
    expect(entry?.expiresAt).toBe(fixture.nowMs + 3_600_000 + 5 * 60_000);
    expect(entry?.value).toMatchObject({
      direction: 'inbound',
      peer: 'b.example.net',
      presentity: 'sip:alice@a.example.com',
      event: 'presence',
      callId: 'policy-test@b.example.net',
      watcher: '<sip:bob@b.example.net>;tag=b1',
      notifier: '<sip:alice@a.example.com>;tag=a9',
      watcherContact: WATCHER_CONTACT,
      notifierContact: NOTIFIER_CONTACT,
      recordRoute: DIALOG_RECORD_ROUTE.slice('Record-Route: '.length).split(', '),
      createdAt: fixture.nowMs,
      watcherCSeq: 1,
    });
    expect((await fixture.store.list('watchers:sip:alice@a.example.com:')).map((e) => e.key)).toEqual([
      `watchers:sip:alice@a.example.com:${DIALOG}`,
    ]);
  });

  it('MUST NOT track a fetch (Expires: 0) nor a refused SUBSCRIBE', async () => {
    const fixture = PolicyFixture.withSubscriptions();
    await trackSubscriptionResponses.check(subscribe(['Expires: 0']), subscribeOk(0), fixture.context);
    await trackSubscriptionResponses.check(subscribe(), response(404, 'SUBSCRIBE'), fixture.context);
    expect(fixture.subscriptions!.table.size).toBe(0);
  });

  it('P6 MUST count the granted period as the response chain clamps it', async () => {
    const fixture = await established(
      PolicyFixture.withSubscriptions({ limits: { maxSubscriptionExpiresSeconds: 1800 } }),
      7200,
    );
    expect(fixture.subscriptions!.table.get(fixture.subscriptions!.table.slotOf(DIALOG), 'expiresAt')).toBe(
      fixture.nowMs + 1_800_000,
    );
  });

  it('MUST start a new period on a 2xx to a re-SUBSCRIBE, keeping the creation time (P9 counts from the fresh SUBSCRIBE)', async () => {
    const fixture = await established();
    const created = fixture.nowMs;
    fixture.advanceSeconds(1800);
    await trackSubscriptionResponses.check(
      reSubscribe(['Expires: 3600']),
      response(200, 'SUBSCRIBE', ['Expires: 3600']),
      fixture.context,
    );
    const table = fixture.subscriptions!.table;
    const slot = table.slotOf(DIALOG);
    expect([table.get(slot, 'createdAt'), table.get(slot, 'refreshedAt'), table.get(slot, 'expiresAt')]).toEqual([
      created,
      fixture.nowMs,
      fixture.nowMs + 3_600_000,
    ]);
    expect((await fixture.store.get<SubscriptionRecord>(subscriptionKey(DIALOG)))?.expiresAt).toBe(
      fixture.nowMs + 3_600_000,
    );
  });

  it('RFC 6665 §4.1.2.3 MUST end the dialog on a re-SUBSCRIBE with Expires: 0', async () => {
    const fixture = await established();
    await decideRequest(trackInboundDialogRequests, reSubscribe(['Expires: 0']), fixture.context);
    expect(fixture.subscriptions!.table.slotOf(DIALOG)).toBe(-1);
    expect(await fixture.store.list('sub:')).toEqual([]);
    expect(await fixture.store.list('watchers:')).toEqual([]);
  });

  it('RFC 6665 §4.1.3 MUST end the dialog on a NOTIFY with Subscription-State: terminated', async () => {
    const fixture = await established();
    await decideRequest(
      trackOutboundDialogRequests,
      notify('terminated;reason=timeout'),
      fixture.with({ direction: 'outbound' }),
    );
    expect(fixture.subscriptions!.table.slotOf(DIALOG)).toBe(-1);
  });

  it('MUST end the dialog when either end answers 481', async () => {
    for (const request of [notify('active', pidf('open')), reSubscribe()]) {
      const fixture = await established();
      await trackSubscriptionResponses.check(request, response(481, request.method), fixture.context);
      expect(fixture.subscriptions!.table.slotOf(DIALOG)).toBe(-1);
    }
  });

  it('MUST note the CSeq each end used, a shortened expiry and partial notifications', async () => {
    const fixture = await established();
    const outbound = fixture.with({ direction: 'outbound' });
    const table = fixture.subscriptions!.table;
    const slot = table.slotOf(DIALOG);
    await decideRequest(trackOutboundDialogRequests, notify('active;expires=600', pidf('open')), outbound);
    expect([table.get(slot, 'notifierCSeq'), table.get(slot, 'expiresAt'), table.partialState(slot)]).toEqual([
      1,
      fixture.nowMs + 600_000,
      false,
    ]);
    await decideRequest(
      trackOutboundDialogRequests,
      notify('active', undefined, ['Content-Type: application/pidf-diff+xml']),
      outbound,
    );
    expect(table.partialState(slot)).toBe(true);
  });

  it('MUST pass requests of dialogs it does not track, and everything when no tracker is configured', async () => {
    const untracked = PolicyFixture.withSubscriptions();
    expect(await decideRequest(trackInboundDialogRequests, reSubscribe(), untracked.context)).toEqual({ kind: 'pass' });
    const none = PolicyFixture.withMemoryStore();
    expect(await trackSubscriptionResponses.check(subscribe(), subscribeOk(), none.context)).toEqual({ kind: 'pass' });
  });
});

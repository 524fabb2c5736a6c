import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.js';
import {
  PolicyFixture,
  reSubscribe,
  response,
  subscribe,
  subscribeOk,
  WATCHER_CONTACT,
} from '../../../test/support/policy-fixture.js';
import { settle } from '../../../test/support/proxy-harness.js';
import { silentLogger } from '../../observability/logger.js';
import { trackSubscriptionResponses } from '../rules/subscription-dialogs.js';
import { isTombstoned } from '../../state/tombstones.js';
import type { InDialogRequest, SubscriptionActions } from './subscription-actions.js';
import { SubscriptionSupervisor } from './subscription-supervisor.js';

const DAY_S = 86_400;
const RECORD_ROUTE = [
  '<sip:presence-proxy.a.example.com;lr>',
  '<sip:192.0.2.1:5060;transport=tcp;lr>',
  '<sip:203.0.113.1:5061;transport=tls;lr>',
  '<sip:edge.b.example.net;transport=tls;lr>',
];

class RecordingActions implements SubscriptionActions {
  readonly sent: InDialogRequest[] = [];
  async send(request: InDialogRequest): Promise<number> {
    this.sent.push(request);
    return 200;
  }
}

function setUp() {
  const fixture = PolicyFixture.withSubscriptions();
  const clock = new FakeClock();
  const actions = new RecordingActions();
  const supervisor = new SubscriptionSupervisor({
    tracker: fixture.subscriptions!,
    actions,
    store: fixture.store,
    clock,
    now: () => fixture.nowMs,
    log: silentLogger(),
    revalidateAfterSeconds: 45 * DAY_S,
    tombstoneSeconds: 90 * DAY_S,
  });
  /** Wall clock and timers move together, an hour at a time, letting each sweep's requests go out. */
  const advanceHours = async (hours: number) => {
    for (let h = 0; h < hours; h++) {
      fixture.advanceSeconds(3600);
      clock.advance(3_600_000);
      await settle();
    }
  };
  return { fixture, clock, actions, supervisor, advanceHours };
}

/** A subscription `callId` created now, in `direction` (outbound: our watcher bob, a peer's presentity). */
async function subscription(
  fixture: PolicyFixture,
  direction: 'inbound' | 'outbound',
  callId: string,
  options: { to?: string; fromTag?: string } = {},
) {
  const context = fixture.with({ direction });
  const uri = options.to ?? 'sip:alice@a.example.com';
  const fromTag = options.fromTag ?? 'b1';
  await trackSubscriptionResponses.check(
    subscribe([`Expires: ${DAY_S}`], { callId, uri, fromTag }),
    subscribeOk(DAY_S),
    context,
  );
  /** The watcher's daily in-dialog refresh: it renews the subscription, it is no fresh SUBSCRIBE. */
  return () =>
    trackSubscriptionResponses.check(
      reSubscribe([`Expires: ${DAY_S}`], { callId, uri, fromTag }),
      response(200, 'SUBSCRIBE', [`Expires: ${DAY_S}`]),
      context,
    );
}

describe('P9 contact accuracy: revalidation after 45 days', () => {
  it('P9 MUST end a subscription not renewed by a fresh SUBSCRIBE in 45 days: NOTIFY terminated;reason=deactivated to our watcher, Expires: 0 upstream', async () => {
    const { fixture, actions, supervisor, advanceHours } = setUp();
    supervisor.start();
    const refreshOld = await subscription(fixture, 'outbound', 'old@a.example.com');
    const refreshPeers = await subscription(fixture, 'inbound', 'peers@b.example.net');
    for (let day = 1; day <= 44; day++) {
      await advanceHours(24);
      await refreshOld();
      await refreshPeers();
    }
    const refreshFresh = await subscription(fixture, 'outbound', 'fresh@a.example.com');
    await advanceHours(23);
    expect(actions.sent).toEqual([]);
    await advanceHours(1);
    await Promise.all([refreshOld(), refreshPeers(), refreshFresh()]);
    await advanceHours(1);
    expect(actions.sent.map((r) => `${r.method} ${r.recipient} ${r.side} ${r.callId}`)).toEqual([
      'NOTIFY watcher internal old@a.example.com',
      'SUBSCRIBE notifier external old@a.example.com',
    ]);
    const [notify, unsubscribe] = actions.sent;
    expect(notify).toMatchObject({
      requestUri: WATCHER_CONTACT,
      from: '<sip:alice@a.example.com>;tag=a9',
      to: '<sip:bob@b.example.net>;tag=b1',
      cseq: 1_000_000,
      recordRoute: RECORD_ROUTE,
      headers: [
        ['Event', 'presence'],
        ['Subscription-State', 'terminated;reason=deactivated'],
        ['Contact', '<sip:alice@10.0.0.6:5060;transport=tcp>'],
      ],
    });
    expect(unsubscribe).toMatchObject({
      from: '<sip:bob@b.example.net>;tag=b1',
      to: '<sip:alice@a.example.com>;tag=a9',
      cseq: 2,
      peer: 'b.example.net',
    });
    expect(unsubscribe?.headers).toContainEqual(['Expires', '0']);
    expect(fixture.subscriptions!.table.size).toBe(2);
    supervisor.stop();
  });

  it('P9 MUST be callable on demand, and stop its sweeps when stopped', async () => {
    const { fixture, clock, actions, supervisor } = setUp();
    const refresh = await subscription(fixture, 'outbound', 'old@a.example.com');
    for (let day = 1; day <= 45; day++) {
      fixture.advanceSeconds(DAY_S);
      await refresh();
    }
    expect(await supervisor.revalidate()).toEqual({ revalidated: 1 });
    expect(actions.sent).toHaveLength(2);
    supervisor.start();
    supervisor.stop();
    expect(clock.pending).toBe(0);
  });
});

describe('X3 removal of a user', () => {
  it('X3 MUST tombstone the address and send each of three external watchers NOTIFY terminated;reason=noresource', async () => {
    const { fixture, actions, supervisor } = setUp();
    for (const n of [1, 2, 3]) await subscription(fixture, 'inbound', `w${n}@b.example.net`, { fromTag: `w${n}` });
    await subscription(fixture, 'inbound', 'other@b.example.net', { to: 'sip:carol@a.example.com' });
    await subscription(fixture, 'outbound', 'ours@a.example.com');
    expect(await supervisor.removeUser('Alice@A.example.com')).toEqual({
      address: 'sip:alice@a.example.com',
      watchers: 3,
      acknowledged: 3,
    });
    expect(await isTombstoned(fixture.store, 'alice@a.example.com')).toBe(true);
    expect(actions.sent.map((r) => `${r.method} ${r.side} ${r.to} ${r.headers[1]![1]}`).sort()).toEqual(
      [1, 2, 3].map((n) => `NOTIFY external <sip:bob@b.example.net>;tag=w${n} terminated;reason=noresource`),
    );
    expect(fixture.subscriptions!.table.size).toBe(2);
    expect(await fixture.store.list('watchers:sip:alice@a.example.com:')).toEqual([]);
  });

  it('X3 MUST refuse text that is not an address', async () => {
    const { supervisor } = setUp();
    await expect(supervisor.removeUser('not an address')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

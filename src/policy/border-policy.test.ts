import { describe, expect, it } from 'vitest';
import { borderPolicyFixture, request, response } from '../../test/support/policy-fixture.js';
import { parseConfigText } from '../config/load-config.js';
import { MemoryStore } from '../state/memory-store.js';
import type { Crossing } from './border-policy.js';
import { PeerLimitTable } from './peer-limits.js';
import type { PolicyLimits } from './policy-limits.js';
import type { ChainOutcome, RuleMode } from './run-chain.js';
import { tombstone } from '../state/tombstones.js';

const CONFIG = `
domains: [a.example.com]
policy:
  noPresenceAddresses: [all-staff@a.example.com]
  limits:
    perSender: { capacity: 3, refillPerSecond: 1 }
agreements:
  - { peer: b.example.net, assertsTrust: false }
`;

const INBOUND: Crossing = { direction: 'inbound', peer: 'b.example.net' };
const OUTBOUND: Crossing = { direction: 'outbound', peer: 'b.example.net' };

/** A BorderPolicy as createEdge builds it, on a MemoryStore and a hand-moved wall clock. */
function borderPolicy(options: { modes?: Record<string, RuleMode>; limits?: Partial<PolicyLimits> } = {}) {
  const parsed = parseConfigText(CONFIG, 'test');
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.problem).join('; '));
  const clock = { nowMs: Date.UTC(2026, 10, 21, 12, 0, 0) };
  const store = new MemoryStore({ now: () => clock.nowMs, sweepIntervalMs: 0 });
  const decisions: string[] = [];
  const policy = borderPolicyFixture({
    config: CONFIG,
    store,
    modes: { ...options.modes },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    now: () => clock.nowMs,
    decisions: { inc: (labels) => decisions.push(`${labels.rule} ${labels.verdict} ${labels.peer}`) },
  });
  const limits = { ...new PeerLimitTable(parsed.config).limitsFor('b.example.net').limits, ...options.limits };
  return { policy, store, clock, decisions, limits };
}

const toCarol = (i: number) =>
  request('MESSAGE', ['Content-Type: text/plain', 'X-Trust-Level: trusted'], {
    uri: 'sip:carol@a.example.com',
    body: `hi ${i}`,
  });

describe('G1 border policy with the default chains', () => {
  it('MUST run the inbound chain in order, stop at the first answer and count each decision', async () => {
    const { policy, decisions } = borderPolicy();
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await policy.checkRequest(toCarol(i), INBOUND));
    expect(outcomes.map((o) => o.verdict.kind)).toEqual(['pass', 'pass', 'pass', 'reply']);
    expect(outcomes[0]?.edits).toEqual([{ op: 'remove', name: 'X-Trust-Level' }]);
    expect(outcomes[3]?.decidedBy).toEqual({ id: 'Y1', name: 'sender-rate-limit' });
    expect(decisions.filter((d) => d.startsWith('sender-rate-limit'))).toEqual([
      'sender-rate-limit reply-503 b.example.net',
    ]);
    expect(decisions.filter((d) => d.startsWith('trust-level'))).toHaveLength(4);
  });

  it('MUST answer from the store before spending tokens: a tombstone, then a remembered 4xx', async () => {
    const { policy, store, limits, decisions } = borderPolicy();
    await tombstone(store, 'carol@a.example.com', limits);
    for (let i = 0; i < 5; i++)
      expect((await policy.checkRequest(toCarol(0), INBOUND)).decidedBy?.name).toBe('tombstone');
    expect(decisions.filter((d) => d.startsWith('tombstone'))).toEqual(
      Array(5).fill('tombstone reply-404 b.example.net'),
    );
    const toDave = request('MESSAGE', [], { uri: 'sip:dave@a.example.com', body: 'x' });
    await policy.checkResponse(toDave, response(404, 'MESSAGE'), INBOUND);
    expect((await policy.checkRequest(toDave, INBOUND)).decidedBy?.name).toBe('retry-memory');
  });

  it("P4 MUST learn a peer's 604 from the response chain and answer the next outbound request 404", async () => {
    const { policy, decisions } = borderPolicy();
    const toBob = request('SUBSCRIBE', ['Event: presence'], {
      uri: 'sip:bob@b.example.net',
      from: 'sip:alice@a.example.com',
    });
    await policy.checkResponse(toBob, response(604, 'SUBSCRIBE'), OUTBOUND);
    const again = await policy.checkRequest(
      request('MESSAGE', [], { uri: 'sip:bob@b.example.net', from: 'sip:zoe@a.example.com' }),
      OUTBOUND,
    );
    expect(again.verdict).toMatchObject({ kind: 'reply', status: 404 });
    expect(decisions).toEqual(['cache-604 reply-404 b.example.net']);
  });
});

describe('Shadow mode', () => {
  it('MUST record what a rule in shadow would do without applying it, while the other rules still apply', async () => {
    const { policy, decisions } = borderPolicy({ modes: { 'sender-rate-limit': 'shadow', 'trust-level': 'shadow' } });
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await policy.checkRequest(toCarol(i), INBOUND));
    expect(outcomes.every((o) => o.verdict.kind === 'pass' && o.edits.length === 0)).toBe(true);
    expect(decisions.filter((d) => d.startsWith('sender-rate-limit'))).toEqual(
      Array(2).fill('sender-rate-limit shadow-reply-503 b.example.net'),
    );
    expect(decisions.filter((d) => d.startsWith('trust-level'))).toEqual(
      Array(5).fill('trust-level shadow-edit b.example.net'),
    );
    const list = await policy.checkRequest(request('MESSAGE', [], { uri: 'sip:all-staff@a.example.com' }), INBOUND);
    expect(list.verdict).toEqual({ kind: 'reply', status: 604 });
  });

  type Setup = ReturnType<typeof borderPolicy>;
  const fromUser = (user: string, to = 'carol') =>
    request('MESSAGE', [], { from: `sip:${user}@b.example.net`, uri: `sip:${to}@a.example.com` });
  const twice = async ({ policy }: Setup, first: ReturnType<typeof request>, second: ReturnType<typeof request>) => (
    await policy.checkRequest(first, INBOUND),
    policy.checkRequest(second, INBOUND)
  );
  const SHADOWED: ReadonlyArray<{
    rule: string;
    verdict: string;
    limits?: Partial<PolicyLimits>;
    run: (setup: Setup) => Promise<ChainOutcome>;
  }> = [
    {
      rule: 'no-presence-address',
      verdict: 'shadow-reply-604',
      run: ({ policy }) => policy.checkRequest(fromUser('bob', 'all-staff'), INBOUND),
    },
    {
      rule: 'tombstone',
      verdict: 'shadow-reply-404',
      run: async ({ policy, store, limits }) => (
        await tombstone(store, 'carol@a.example.com', limits),
        policy.checkRequest(toCarol(0), INBOUND)
      ),
    },
    {
      rule: 'retry-memory',
      verdict: 'shadow-reply-404',
      run: async ({ policy }) => (
        await policy.checkResponse(toCarol(0), response(404, 'MESSAGE'), INBOUND),
        policy.checkRequest(toCarol(0), INBOUND)
      ),
    },
    {
      rule: 'cache-604',
      verdict: 'shadow-reply-404',
      run: async ({ policy }) => {
        const toBob = request('MESSAGE', [], { uri: 'sip:bob@b.example.net', from: 'sip:alice@a.example.com' });
        await policy.checkResponse(toBob, response(604, 'MESSAGE'), OUTBOUND);
        return policy.checkRequest(toBob, OUTBOUND);
      },
    },
    {
      rule: 'recipient-rate-limit',
      verdict: 'shadow-reply-503',
      limits: { perRecipient: { capacity: 1, refillPerSecond: 1 } },
      run: (setup) => twice(setup, fromUser('bob'), fromUser('dave')),
    },
    {
      rule: 'peer-rate-limit',
      verdict: 'shadow-reply-503',
      limits: { perPeer: { capacity: 1, refillPerSecond: 1 } },
      run: (setup) => twice(setup, fromUser('bob'), fromUser('dave', 'erin')),
    },
    {
      rule: 'sender-recipient-cap',
      verdict: 'shadow-reply-503',
      limits: { maxDistinctRecipientsPerSender: 1 },
      run: (setup) => twice(setup, fromUser('bob'), fromUser('bob', 'erin')),
    },
    {
      rule: 'peer-recipient-cap',
      verdict: 'shadow-reply-503',
      limits: { maxDistinctRecipientsPerPeer: 1 },
      run: (setup) => twice(setup, fromUser('bob'), fromUser('dave', 'erin')),
    },
    {
      rule: 'confidential-answers',
      verdict: 'shadow-absorb-200',
      limits: { confidential: true },
      run: ({ policy }) => policy.checkResponse(toCarol(0), response(404, 'MESSAGE'), INBOUND),
    },
  ];

  for (const { rule, verdict, limits, run } of SHADOWED) {
    it(`MUST let ${rule} decide in shadow without applying its answer`, async () => {
      const setup = borderPolicy({ modes: { [rule]: 'shadow' }, ...(limits === undefined ? {} : { limits }) });
      const outcome = await run(setup);
      expect(outcome.verdict).toEqual({ kind: 'pass' });
      expect(setup.decisions.filter((d) => d.startsWith(rule))).toEqual([`${rule} ${verdict} b.example.net`]);
    });
  }
});

describe('G1 which requests the chains apply to', () => {
  it('G1 has rules for a MESSAGE in both directions, and none when policy.mode is off (the route skips the chain)', () => {
    const enforcing = borderPolicyFixture();
    expect(enforcing.checksRequests('MESSAGE', 'inbound')).toBe(true);
    expect(enforcing.checksRequests('MESSAGE', 'outbound')).toBe(true);
    const off = borderPolicyFixture({ config: 'domains: [a.example.com]\npolicy: { mode: off }\n' });
    expect(off.checksRequests('MESSAGE', 'inbound')).toBe(false);
    expect(off.checksRequests('MESSAGE', 'outbound')).toBe(false);
  });
});

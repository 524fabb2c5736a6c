import { describe, expect, it } from 'vitest';
import { PolicyFixture, request } from '../../test/support/policy-fixture.js';
import { DEFAULT_CHAINS } from './chains.js';
import { PreparedChain, runRequestSteps } from './run-chain.js';
import { defineRequestRule, pass, reply, type RequestRule } from './rule.js';

const names = (steps: ReadonlyArray<{ rule: RequestRule }>) => steps.map((step) => step.rule.name);

describe('a prepared chain', () => {
  it('G1 keeps, per method, the rules that look at it in chain order, without those that are off', () => {
    const chain = new PreparedChain(DEFAULT_CHAINS.inboundRequest, (rule) =>
      rule.name === 'peer-rate-limit' ? 'off' : rule.name === 'tombstone' ? 'shadow' : 'enforce',
    );
    const message = chain.stepsFor('MESSAGE');
    expect(names(message)).toEqual([
      'message-size',
      'record-route-length',
      'trust-level',
      'no-presence-address',
      'tombstone',
      'retry-memory',
      'sender-rate-limit',
      'recipient-rate-limit',
      'sender-recipient-cap',
      'peer-recipient-cap',
    ]);
    expect(message.find((step) => step.rule.name === 'tombstone')?.mode).toBe('shadow');
    expect(names(chain.stepsFor('SUBSCRIBE'))).toContain('subscription-min-expires');
    expect(names(chain.stepsFor('MESSAGE'))).not.toContain('subscription-min-expires');
    // A method no rule names meets the rules that look at every method.
    expect(names(chain.stepsFor('INFO'))).not.toContain('no-presence-address');
    expect(names(chain.stepsFor('INFO'))).not.toContain('retry-memory');
    expect(names(chain.stepsFor('INFO'))).toContain('sender-rate-limit');
  });

  it('G1 with every rule off runs nothing and passes', async () => {
    const chain = new PreparedChain(DEFAULT_CHAINS.inboundRequest, () => 'off');
    expect(chain.stepsFor('MESSAGE')).toEqual([]);
    const outcome = await runRequestSteps(chain.stepsFor('MESSAGE'), request('MESSAGE'), new PolicyFixture().context, {
      decided: () => undefined,
    });
    expect(outcome.verdict).toEqual({ kind: 'pass' });
  });

  it('G1 stops at the first enforced reply; a shadowed one is recorded and the chain goes on', async () => {
    const refuse = (name: string, status: number) =>
      defineRequestRule({ id: 'Y1', name, phase: 'inbound-request', check: () => reply(status) });
    const rules = [
      refuse('first', 503),
      refuse('second', 403),
      defineRequestRule({ id: 'Y1', name: 'last', phase: 'inbound-request', check: () => pass() }),
    ];
    const decided: string[] = [];
    const chain = new PreparedChain(rules, (rule) => (rule.name === 'first' ? 'shadow' : 'enforce'));
    const outcome = await runRequestSteps(chain.stepsFor('MESSAGE'), request('MESSAGE'), new PolicyFixture().context, {
      decided: ({ rule, mode }) => decided.push(`${rule.name}:${mode}`),
    });
    expect(outcome).toMatchObject({ verdict: { kind: 'reply', status: 403 }, decidedBy: { name: 'second' } });
    expect(decided).toEqual(['first:shadow', 'second:enforce']);
  });
});

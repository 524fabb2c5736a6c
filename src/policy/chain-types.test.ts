// The chain types: a rule runs only in the chain of its phase, and names a SPEC ID the project knows.
// The `@ts-expect-error` lines are the proof: `npm run lint` type-checks this file, and fails should
// either line ever compile.

import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAINS, type PolicyChains } from './chains.js';
import { defineRequestRule, pass } from './rule.js';
import { outboundTrustLevel } from './rules/trust-level.js';
import type { SpecId } from './spec-id.js';

describe('G1 chain types', () => {
  it('G1 an outbound rule does not compile in the inbound chain', () => {
    const chains: PolicyChains = {
      ...DEFAULT_CHAINS,
      // @ts-expect-error an outbound-request rule in the inbound chain
      inboundRequest: [outboundTrustLevel],
    };
    expect(chains.inboundRequest[0]?.phase).toBe('outbound-request');
  });

  it('G1 a rule with an id that is not a SPEC ID does not compile', () => {
    const rule = defineRequestRule({
      // @ts-expect-error 'P7-P9' names no single requirement
      id: 'P7-P9',
      name: 'made-up',
      phase: 'inbound-request',
      check: () => pass(),
    });
    const known: SpecId = 'P9';
    expect([rule.id, known]).toEqual(['P7-P9', 'P9']);
  });

  it('G1 every rule of the default chains runs in the chain of its phase', () => {
    expect(DEFAULT_CHAINS.inboundRequest.every((rule) => rule.phase === 'inbound-request')).toBe(true);
    expect(DEFAULT_CHAINS.outboundRequest.every((rule) => rule.phase === 'outbound-request')).toBe(true);
    expect(DEFAULT_CHAINS.response.every((rule) => rule.phase === 'response')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config.js';
import { abortableDelay, changedSections } from './lifecycle.js';

function config(state: string, extra = '') {
  const parsed = parseConfigText(`domains: [a.example.com]\nstate: ${state}\n${extra}`, 'test');
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.problem).join('; '));
  return parsed.config;
}

describe('edge lifecycle', () => {
  it('O2 names the changed sections only a restart applies, and not those a reload applies', () => {
    const before = config('{ backend: memory }');
    const after = config('{ backend: sqlite, path: var/x.db }', 'policy: { mode: shadow }');
    expect(changedSections(before, after)).toEqual(['state']);
    expect(changedSections(before, config('{ backend: memory }'))).toEqual([]);
  });

  it('O2 I2 reports a change of community.authenticate as taking a restart, since the community is built at start', () => {
    const before = config('{ backend: memory }');
    const after = config('{ backend: memory }', 'community: { authenticate: [MESSAGE] }');
    expect(changedSections(before, after)).toEqual(['community.authenticate']);
  });

  it('O5 a drain that is signalled to end ends at once', async () => {
    const skip = new AbortController();
    skip.abort();
    await expect(abortableDelay(60_000, skip.signal)).resolves.toBeUndefined();
  });
});

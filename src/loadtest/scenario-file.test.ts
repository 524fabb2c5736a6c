import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkAddresses } from './run-loadtest.js';
import { parseScenarioFile } from './scenario-file.js';
import { SCENARIO_KINDS } from './scenario-schema.js';

const BASE = { target: { external: { host: '127.0.0.1', port: 5061 } }, scenarios: [{ kind: 'message-flood' }] };

describe('L1 scenario files', () => {
  it('L1 defaults fill the run settings, and command-line overrides win over the file', () => {
    const parsed = parseScenarioFile(stringify({ ...BASE, rate: 50 }), { rate: 500, duration: undefined });
    expect(parsed.ok && parsed.file.rate).toBe(500);
    expect(parsed.ok && parsed.file.duration).toBe(10);
    expect(parsed.ok && parsed.file.target.peerDomain).toBe('b.example.net');
  });

  it('L1 an unknown scenario kind or key is refused with its path', () => {
    const parsed = parseScenarioFile(stringify({ ...BASE, scenarios: [{ kind: 'teleport' }], colour: 'red' }));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems.join('\n')).toMatch(/scenarios\.0\.kind/);
  });

  it('L1 scenarios get unique names; a name used twice is refused', () => {
    const named = parseScenarioFile(
      stringify({ ...BASE, scenarios: [{ kind: 'harvesting' }, { kind: 'harvesting' }] }),
    );
    expect(named.ok && named.file.scenarios.map((s) => s.name)).toEqual(['harvesting', 'harvesting-2']);
    const twice = parseScenarioFile(
      stringify({
        ...BASE,
        scenarios: [
          { kind: 'harvesting', name: 'a' },
          { kind: 'harvesting', name: 'a' },
        ],
      }),
    );
    expect(twice.ok).toBe(false);
  });

  it('L1 only loopback is loaded by default; another host must be listed under allowHosts', () => {
    const remote = parseScenarioFile(stringify({ ...BASE, target: { external: { host: '192.0.2.7', port: 5061 } } }));
    if (!remote.ok) throw new Error(remote.problems.join());
    expect(() => checkAddresses(remote.file)).toThrow(/refusing to load 192\.0\.2\.7/);
    expect(() => checkAddresses({ ...remote.file, allowHosts: ['192.0.2.7'] })).not.toThrow();
  });
});

describe('L1 the example scenario file', () => {
  it('L1 config/loadtest/federation-policies.yaml is valid and declares one scenario of every kind', () => {
    const parsed = parseScenarioFile(
      readFileSync(new URL('../../config/loadtest/federation-policies.yaml', import.meta.url), 'utf8'),
    );
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    expect(new Set(parsed.file.scenarios.map((s) => s.kind))).toEqual(new Set(SCENARIO_KINDS));
  });
});

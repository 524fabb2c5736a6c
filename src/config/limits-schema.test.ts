import { describe, expect, it } from 'vitest';
import type { ConfigProblem } from './config-problem.js';
import { parseConfigText } from './load-config.js';

function limitsOf(text: string) {
  const result = parseConfigText(`domains: [a.example.com]\n${text}`, 'config.yaml');
  if (!result.ok) throw new Error(`expected the configuration to load: ${JSON.stringify(result.problems)}`);
  return result.config.limits;
}

function onlyProblem(text: string): ConfigProblem {
  const result = parseConfigText(`domains: [a.example.com]\n${text}`, 'config.yaml');
  if (result.ok) throw new Error('expected the configuration to be refused');
  expect(result.problems).toHaveLength(1);
  return result.problems[0]!;
}

describe('Y5 limits.overload', () => {
  it('Y5 is on by default with defaults that work, and an empty section means the defaults', () => {
    const defaults = {
      enabled: true,
      eluThresholdPercent: 90,
      pendingRequestsPercent: 80,
      maxQueueDelayMs: 50,
      intervalMs: 100,
      retryAfterSeconds: 5,
      capacityPerSecond: 0,
      minCapacityPerSecond: 200,
    };
    expect(limitsOf('').overload).toEqual(defaults);
    expect(limitsOf('limits:\n  overload:\n').overload).toEqual(defaults);
    expect(limitsOf('limits:\n  overload: { enabled: false, capacityPerSecond: 50 }\n').overload).toMatchObject({
      enabled: false,
      capacityPerSecond: 50,
    });
  });

  it('Y5 refuses a threshold out of range, naming the key and the range', () => {
    const problem = onlyProblem('limits:\n  overload:\n    eluThresholdPercent: 100\n');
    expect(problem).toMatchObject({
      key: 'limits.overload.eluThresholdPercent',
      line: 4,
      problem: 'must be at most 99, got 100',
      fix: 'use a value between 50 and 99',
    });
  });

  it('Y5 refuses enabled that is not a boolean', () => {
    const problem = onlyProblem('limits:\n  overload:\n    enabled: "yes"\n');
    expect(problem.key).toBe('limits.overload.enabled');
    expect(problem.problem).toBe('expected true or false, got the string "yes"');
  });

  it('Y5 refuses a capacity that rounds to no request per interval, and says how to fix it', () => {
    const problem = onlyProblem('limits:\n  overload: { capacityPerSecond: 5, intervalMs: 100 }\n');
    expect(problem).toMatchObject({
      key: 'limits.overload.capacityPerSecond',
      problem: 'must admit at least one request per interval of 100 ms, got 5',
    });
    expect(problem.fix).toMatch(/raise capacityPerSecond to 10 or more/);
  });

  it('Y5 names an unknown overload key', () => {
    expect(onlyProblem('limits:\n  overload:\n    retryAfter: 5\n')).toMatchObject({
      key: 'limits.overload.retryAfter',
      problem: 'unknown key',
    });
  });
});

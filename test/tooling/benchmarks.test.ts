// L2: the benchmarks the project promises are wired to the commands the README names, and each
// prints figures beside a baseline measured in the same run (the ratio lines docs/PERFORMANCE.md quotes).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const scripts = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

function benchFilesOf(script: string): string[] {
  return [...(scripts[script] ?? '').matchAll(/dist\/(bench\/[\w/.-]+)\.js/g)].map((m) => `${m[1]!}.ts`);
}

describe('benchmarks (L2)', () => {
  it('L2 npm run bench measures the parser, discovery, the subscription tracker and the border chain', () => {
    expect(benchFilesOf('bench')).toEqual([
      'bench/parse.bench.ts',
      'bench/discovery.bench.ts',
      'bench/subscriptions.bench.ts',
      'bench/policy-chain.bench.ts',
    ]);
  });

  it('L2 bench:relay runs the end-to-end relay over TLS, bench:loadtest the load generator against SIPp', () => {
    expect(benchFilesOf('bench:relay')).toEqual(['bench/relay/run-relay-bench.ts']);
    expect(benchFilesOf('bench:loadtest')).toEqual(['bench/loadtest-vs-sipp.bench.ts']);
  });

  it('L2 every benchmark file exists and prints a comparison measured in the same run', () => {
    const files = [...benchFilesOf('bench'), ...benchFilesOf('bench:relay'), ...benchFilesOf('bench:loadtest')];
    for (const file of files) expect(existsSync(path.join(root, file)), file).toBe(true);
    const sources = files.map((file) => readFileSync(path.join(root, file), 'utf8'));
    expect(files.filter((_, i) => !/ratio|×|every rule off/i.test(sources[i]!))).toEqual([]);
  });
});

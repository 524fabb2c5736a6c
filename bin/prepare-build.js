#!/usr/bin/env node
// npm's `prepare` step: compile dist/ when the sources and the compiler are here, that is in a clone
// after `npm ci` and before `npm pack`. Elsewhere it does nothing, so an install that has no sources
// (the Docker build's first `npm ci`) or no compiler (`npm ci --omit=dev`) is not broken by it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url);
const sources = existsSync(new URL('src/cli/main.ts', root));
let compiler;
try {
  compiler = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  compiler = undefined;
}

if (sources && compiler !== undefined) {
  const run = spawnSync(process.execPath, [compiler, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  process.exitCode = run.status ?? 1;
}

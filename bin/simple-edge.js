#!/usr/bin/env node
// The published entry point: the compiled CLI in dist/. A clone builds it during `npm ci` (the
// `prepare` script); when it is missing all the same, say what to run instead of showing a stack.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);

// A reader that stops early (`simple-edge users list | head`) closes the pipe: end quietly, as Unix tools do.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

if (existsSync(compiled)) {
  const { main } = await import(compiled.href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  process.stderr.write(
    [
      `simple-edge: the compiled CLI is missing (${compiled.pathname}).`,
      'Fix: in a clone of the repository run `npm run build` (`npm ci` runs it too),',
      'or run from source: node --import tsx src/cli/cli-entry.ts <command>',
      '',
    ].join('\n'),
  );
  process.exitCode = 1;
}

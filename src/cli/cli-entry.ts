// Runs the CLI from source: `node --import tsx src/cli/cli-entry.ts check-config FILE`.
// The published bin/simple-edge.js does the same with the compiled dist/src/cli/main.js.
import { main } from './main.js';

// A reader that stops early (`… | head`) closes the pipe: end quietly, as bin/simple-edge.js does.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));

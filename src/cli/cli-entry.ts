// Runs the CLI from source: `node --import tsx src/cli/cli-entry.ts check-config FILE`.
// The published bin/simple-edge.js does the same with the compiled dist/src/cli/main.js.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));

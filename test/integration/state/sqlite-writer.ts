// Child process for sqlite-durability.test.ts: writes 604 entries and tombstones to the SQLite store as
// fast as it can and acknowledges each on stdout only after `set` has resolved, until it is killed.
// Usage: node --import tsx sqlite-writer.ts <file> <first index>

import { SqliteStore } from '../../../src/state/sqlite-store.js';

const DAY_MS = 86_400_000;

async function main(): Promise<void> {
  const [file, first] = process.argv.slice(2);
  if (file === undefined || first === undefined) throw new Error('usage: sqlite-writer.ts <file> <first index>');
  const store = new SqliteStore({ path: file, sweepIntervalMs: 0 });
  process.stdout.write('ready\n');
  for (let index = Number(first); ; index++) {
    await store.set(
      `604:sip:user${index}@b.example.net`,
      { reason: 'Does Not Exist Anywhere', index },
      { ttlMs: 30 * DAY_MS },
    );
    await store.set(`tombstone:sip:user${index}@a.example.org`, { removedAt: Date.now() }, { ttlMs: 90 * DAY_MS });
    process.stdout.write(`ack ${index}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

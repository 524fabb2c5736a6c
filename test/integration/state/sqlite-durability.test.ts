// P4 "survives restarts", the hard way: a writer process is killed with SIGKILL in the middle of its
// stream of writes, the file is reopened, and every write it had acknowledged is there and enforced.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/state/sqlite-store.js';

const WRITER = fileURLToPath(new URL('./sqlite-writer.ts', import.meta.url));
const directory = mkdtempSync(path.join(tmpdir(), 'simple-edge-durability-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs the writer from `first` on, SIGKILLs it once `killAfter` acks arrived; the indexes it acknowledged. */
function writeUntilKilled(file: string, first: number, killAfter: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(first)], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged: number[] = [];
    let pending = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? ''; // a line cut short by the kill acknowledges nothing
      for (const line of lines) if (line.startsWith('ack ')) acknowledged.push(Number(line.slice(4)));
      if (acknowledged.length >= killAfter && child.exitCode === null && child.pid !== undefined)
        process.kill(child.pid, 'SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`writer exited with code ${String(code)} before it was killed: ${errors}`));
    });
  });
}

describe('SQLite durability', () => {
  it('P4 every acknowledged 604 entry and tombstone survives SIGKILL of the writer, round after round', async () => {
    const file = path.join(directory, 'state.db');
    const acknowledged: number[] = [];
    for (const killAfter of [200, 1500, 3000]) {
      const first = acknowledged.length === 0 ? 0 : acknowledged.at(-1)! + 1;
      const round = await writeUntilKilled(file, first, killAfter);
      expect(round.length).toBeGreaterThanOrEqual(killAfter);
      acknowledged.push(...round);
    }
    const store = new SqliteStore({ path: file, sweepIntervalMs: 0 });
    const missing: string[] = [];
    for (const index of acknowledged) {
      const key = `604:sip:user${index}@b.example.net`;
      if ((await store.get<{ index: number }>(key))?.index !== index) missing.push(key);
      if ((await store.get(`tombstone:sip:user${index}@a.example.org`)) === undefined)
        missing.push(`tombstone ${index}`);
    }
    expect(missing).toEqual([]);
    const listed = await store.list('604:', { limit: 1000 });
    expect(listed).toHaveLength(1000);
    await store.close();
  }, 60_000);
});

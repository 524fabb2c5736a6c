import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { main } from './main.js';

function recordingIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => void stdout.push(line), err: (line) => void stderr.push(line) };
}

describe('I2 Y2 simple-edge users add|remove|list', () => {
  it('adds users to the SQLite store, lists them, and tombstones a removed address so it cannot be added again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'users-'));
    const config = path.join(dir, 'edge.yaml');
    writeFileSync(
      config,
      `domains: [a.example.com]\nstate: { backend: sqlite, path: ${path.join(dir, 'state.db')} }\n`,
    );
    const io = recordingIo();
    expect(await main(['users', 'add', 'alice@a.example.com', '--password', 'pw', '--config', config], { io })).toBe(0);
    expect(await main(['users', 'add', 'bob@a.example.com', '-p', 'pw', '-c', config], { io })).toBe(0);
    expect(await main(['users', 'add', 'bob@a.example.com', '-p', 'pw', '-c', config], { io })).toBe(1);
    const listed = recordingIo();
    expect(await main(['users', 'list', '-c', config], { io: listed })).toBe(0);
    expect(listed.stdout.map((line) => line.split('\t')[0])).toEqual([
      'sip:alice@a.example.com',
      'sip:bob@a.example.com',
    ]);
    expect(await main(['users', 'remove', 'bob@a.example.com', '-c', config], { io })).toBe(0);
    const again = recordingIo();
    expect(await main(['users', 'add', 'bob@a.example.com', '-p', 'pw', '-c', config], { io: again })).toBe(1);
    expect(again.stderr.join('\n')).toMatch(/Y2/);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tombstone } from '../state/tombstones.js';
import { MemoryStore } from '../state/memory-store.js';
import { UserDirectory } from './user-directory.js';
import { loadUsersFile } from './users-file.js';

describe('I2 Y2 the users file', () => {
  it('adds its users to the directory, keeps existing ones, and refuses a tombstoned address', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'users-file-')), 'users.yaml');
    writeFileSync(
      file,
      'users:\n  - { address: alice@a.example.com, password: one }\n  - { address: bob@a.example.com, password: two }\n  - { address: carol@a.example.com, password: three }\n',
    );
    const store = new MemoryStore();
    const directory = new UserDirectory({ store });
    await directory.add({ address: 'bob@a.example.com', password: 'old', realm: 'a.example.com' });
    await tombstone(store, 'carol@a.example.com', { tombstoneSeconds: 60 });
    const report = await loadUsersFile(file, directory, 'a.example.com');
    expect(report.added).toEqual(['sip:alice@a.example.com']);
    expect(report.kept).toEqual(['bob@a.example.com']);
    expect(report.refused.map((r) => r.address)).toEqual(['carol@a.example.com']);
  });

  it('says what is wrong with a malformed file', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'users-file-')), 'users.yaml');
    writeFileSync(file, 'users:\n  - { address: alice@a.example.com }\n');
    await expect(loadUsersFile(file, new UserDirectory({ store: new MemoryStore() }), 'a.example.com')).rejects.toThrow(
      /users\.0\.password/,
    );
  });
});

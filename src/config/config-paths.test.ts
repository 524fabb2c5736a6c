// O1: relative paths written in a configuration file are read from the file's directory, whatever
// the working directory; paths left out keep their defaults under the working directory. The CLI
// runs as a real process from another directory, as an operator's service manager would start it.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText, readConfigFile } from './load-config.js';

const repo = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'simple-edge-paths-'));
const confDir = path.join(work, 'etc');
const elsewhere = path.join(work, 'elsewhere');
mkdirSync(confDir);
mkdirSync(elsewhere);
const configFile = path.join(confDir, 'edge.yaml');
const CONFIG = [
  'domains: [a.example.com]',
  'tls:',
  '  certificates: [{ domain: a.example.com, cert: certs/a.pem, key: /srv/keys/a.key }]',
  '  ca: certs/ca.pem',
  '  crl: [certs/ca.crl]',
  'community: { usersFile: users.yaml }',
  'state: { backend: sqlite, path: data/state.db }',
  'audit: { enabled: true, file: logs/audit.jsonl }',
].join('\n');
writeFileSync(configFile, CONFIG);
writeFileSync(path.join(confDir, 'users.yaml'), 'users: []\n');

afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[]) {
  const tsx = import.meta.resolve('tsx');
  return spawnSync(process.execPath, ['--import', tsx, path.join(repo, 'src/cli/cli-entry.ts'), ...args], {
    cwd: elsewhere,
    encoding: 'utf8',
    timeout: 90_000,
  });
}

describe("O1 relative paths are read from the configuration file's directory", () => {
  it('O1 resolves every relative path the file writes, and leaves absolute ones as written', () => {
    const result = readConfigFile(configFile);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const { tls, community, state, audit } = result.config;
    expect(tls.certificates).toEqual([
      { domain: 'a.example.com', cert: path.join(confDir, 'certs/a.pem'), key: '/srv/keys/a.key' },
    ]);
    expect(tls.ca).toBe(path.join(confDir, 'certs/ca.pem'));
    expect(tls.crl).toEqual([path.join(confDir, 'certs/ca.crl')]);
    expect(community.usersFile).toBe(path.join(confDir, 'users.yaml'));
    expect(state.path).toBe(path.join(confDir, 'data/state.db'));
    expect(audit.file).toBe(path.join(confDir, 'logs/audit.jsonl'));
    // Left out: the default, under the working directory.
    expect(audit.archive.directory).toBe('var/archive');
  });

  it('O1 keeps a path left out at its default under the working directory', () => {
    const result = parseConfigText('domains: [a.example.com]\n', 'edge.yaml', { baseDirectory: confDir });
    expect(result.ok && result.config.state.path).toBe('var/state.db');
  });

  it('O1 check-config, run from another directory, says where each relative path points', () => {
    const run = cli(['check-config', configFile]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        `${configFile}: OK (1 domain, 4 listeners)`,
        `relative paths are read from the file's directory, ${confDir}:`,
        `  tls.certificates[0].cert: certs/a.pem → ${path.join(confDir, 'certs/a.pem')}`,
        `  state.path: data/state.db → ${path.join(confDir, 'data/state.db')}`,
      ]),
    );
  }, 120_000);

  it('O1 users add, run from another directory, writes the state file beside the configuration', () => {
    const run = cli(['users', 'add', 'alice@a.example.com', '--password', 'wonderland', '--config', configFile]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(existsSync(path.join(confDir, 'data/state.db'))).toBe(true);
    expect(existsSync(path.join(elsewhere, 'data'))).toBe(false);
  }, 120_000);
});

// O1: the CLI a user gets. The package is packed as `npm pack` ships it (its `prepare` step builds
// dist/), unpacked into a temp dir and given the repository's node_modules (no registry, no network),
// then its bin is run from another working directory. A copy of the bin without dist/ must say what
// to run instead of printing a stack.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'simple-edge-pack-'));
const unpacked = path.join(work, 'package');

function run(command: string, args: string[], cwd: string) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 110_000 });
}

beforeAll(() => {
  const packed = run('npm', ['pack', '--json', '--pack-destination', work], root);
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const [tarball] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  const untar = run('tar', ['-xzf', path.join(work, tarball!.filename), '-C', work], work);
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  symlinkSync(realpathSync(path.join(root, 'node_modules')), path.join(unpacked, 'node_modules'), 'dir');
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('O1 the packed simple-edge command', () => {
  it('O1 prints its version from the packed package', () => {
    const version = run(process.execPath, [path.join(unpacked, 'bin/simple-edge.js'), '--version'], work);
    expect(version.stderr).toBe('');
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(version.status).toBe(0);
  }, 120_000);

  it('O1 checks the configuration it ships, run from another working directory', () => {
    const check = run(
      process.execPath,
      [path.join(unpacked, 'bin/simple-edge.js'), 'check-config', path.join(unpacked, 'config/default.yaml')],
      tmpdir(),
    );
    expect(check.stderr).toBe('');
    expect(check.stdout).toContain('OK (1 domain, 4 listeners)');
    expect(check.status).toBe(0);
  }, 120_000);

  it('O1 ends quietly when its reader closes the pipe early (`| head`), exit 0 and no stack', () => {
    const bin = path.join(unpacked, 'bin/simple-edge.js');
    const config = path.join(unpacked, 'config/default.yaml');
    const piped = run(
      'bash',
      // `head -n 0` has gone before the CLI writes its first line: every write meets a closed pipe.
      [
        '-c',
        `"${process.execPath}" "${bin}" policy show --own --config "${config}" | head -n 0; exit \${PIPESTATUS[0]}`,
      ],
      work,
    );
    expect(piped.stdout).toBe('');
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
  }, 120_000);

  it('O1 without dist/ says what to run instead of printing a stack', () => {
    const bare = path.join(work, 'no-dist');
    mkdirSync(path.join(bare, 'bin'), { recursive: true });
    copyFileSync(path.join(root, 'bin/simple-edge.js'), path.join(bare, 'bin/simple-edge.js'));
    const missing = run(process.execPath, [path.join(bare, 'bin/simple-edge.js'), 'check-config'], bare);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('the compiled CLI is missing');
    expect(missing.stderr).toContain('npm run build');
    expect(missing.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
  });

  it('O6 the prepare step passes where neither sources nor the build script are (the image build installs from package.json alone)', () => {
    const bare = path.join(work, 'manifest-only');
    mkdirSync(bare, { recursive: true });
    copyFileSync(path.join(root, 'package.json'), path.join(bare, 'package.json'));
    const prepare = run('npm', ['run', 'prepare', '--silent'], bare);
    expect(prepare.stderr).toBe('');
    expect(prepare.status).toBe(0);
  });
});

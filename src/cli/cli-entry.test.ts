import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// A real process, so the exit code is the one a shell or service manager sees.
function runCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/cli-entry.ts', ...args], {
    encoding: 'utf8',
    timeout: 15_000,
  });
}

describe('O1 simple-edge as a process', () => {
  it('exits 2 with the problems on stderr when check-config finds an invalid file', () => {
    const run = runCli(['check-config', 'test/fixtures/config/invalid-limits.yaml']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('invalid-limits.yaml:4: limits.maxHeaders: must be at most 1024, got 5000.');
  });

  it('exits 0 when check-config accepts config/default.yaml', () => {
    const run = runCli(['check-config', 'config/default.yaml']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('config/default.yaml: OK (1 domain, 4 listeners)\n');
  });
});

import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { main } from './main.js';

function recordingIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => void stdout.push(line), err: (line) => void stderr.push(line) };
}

const INVALID = 'test/fixtures/config/invalid-limits.yaml';

describe('O1 simple-edge check-config', () => {
  it('exits 0 and summarises a valid configuration', async () => {
    const io = recordingIo();
    expect(await main(['check-config', 'config/default.yaml'], { io })).toBe(0);
    expect(io.stdout).toEqual(['config/default.yaml: OK (1 domain, 4 listeners)']);
    expect(io.stderr).toEqual([]);
  });

  it('exits 2 and prints every problem on stderr, one per line with file, line, key and fix', async () => {
    const io = recordingIo();
    expect(await main(['check-config', INVALID], { io })).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual([
      `${INVALID}:4: limits.maxHeaders: must be at most 1024, got 5000. Fix: use a value between 8 and 1024.`,
      expect.stringMatching(
        new RegExp(`^${INVALID}:5: limits\\.maxHeadersBytes: unknown key\\. Fix: did you mean \`maxHeaderBytes\`\\?`),
      ),
      `${INVALID}:6: limits.maxVias: expected a number, got the string "many". Fix: write a whole number such as 70 (between 1 and 256).`,
    ]);
  });

  it('exits 2 when the file cannot be read', async () => {
    const io = recordingIo();
    expect(await main(['check-config', 'test/fixtures/config/missing.yaml'], { io })).toBe(2);
    expect(io.stderr[0]).toContain('cannot read the file');
  });

  it('exits 1 on a usage error without a file', async () => {
    const io = recordingIo();
    expect(await main(['check-config'], { io })).toBe(1);
    expect(io.stderr.join('\n')).toContain("missing required argument 'file'");
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EdgeConfig } from '../config/config-schema.js';
import type { CliIo } from './cli-io.js';
import { main } from './main.js';
import type { ServeStep } from './start.js';

function recordingIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => void stdout.push(line), err: (line) => void stderr.push(line) };
}

describe('O1 simple-edge start', () => {
  it('loads config/default.yaml by default and says what it will listen on', async () => {
    const io = recordingIo();
    const serve: ServeStep = async () => 0;
    expect(await main(['start'], { io, serve })).toBe(0);
    expect(io.stdout).toEqual(
      expect.arrayContaining([
        'configuration: config/default.yaml',
        'domains: a.example.com',
        'listen internal: udp 127.0.0.1:5060',
        'listen internal: tcp 127.0.0.1:5060',
        'listen external: tls 127.0.0.1:5061',
        'listen external: tls [::1]:5061',
        'admin: http://127.0.0.1:9060',
        'state: sqlite var/state.db',
      ]),
    );
  });

  it('hands the validated configuration to the serve step and returns its exit code', async () => {
    const io = recordingIo();
    let served: EdgeConfig | undefined;
    const serve: ServeStep = async (config) => {
      served = config;
      return 7;
    };
    expect(await main(['start', '--config', 'config/default.yaml'], { io, serve })).toBe(7);
    expect(served?.domains).toEqual(['a.example.com']);
  });

  it('D2 warns at start of every opt-in to cleartext towards peers, naming the key; none with the defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simple-edge-start-'));
    try {
      const path = join(dir, 'edge.yaml');
      writeFileSync(
        path,
        [
          'domains: [a.example.com]',
          'state: { backend: memory }',
          'routes: [{ domain: b.example.net, targets: [{ host: 192.0.2.1, port: 5060, transport: udp }], plaintext: true }]',
          'discovery: { transports: [tls, tcp] }',
          '',
        ].join('\n'),
      );
      const io = recordingIo();
      expect(await main(['start', '-c', path], { io, serve: async () => 0 })).toBe(0);
      expect(io.stderr).toEqual([
        'warning: D2 b.example.net may be reached in cleartext (udp) because of routes[0].plaintext; the inter-domain profile requires TLS between edges',
        'warning: D2 discovered peers may be reached in cleartext (tcp) because of discovery.transports; the inter-domain profile requires TLS between edges',
      ]);
      const defaults = recordingIo();
      await main(['start'], { io: defaults, serve: async () => 0 });
      expect(defaults.stderr).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with an invalid configuration: exit 2, the same messages as check-config', async () => {
    const io = recordingIo();
    let served = false;
    const serve: ServeStep = async () => {
      served = true;
      return 0;
    };
    expect(await main(['start', '-c', 'test/fixtures/config/invalid-limits.yaml'], { io, serve })).toBe(2);
    expect(served).toBe(false);
    expect(io.stderr).toHaveLength(3);
    expect(io.stderr[0]).toMatch(/invalid-limits\.yaml:4: limits\.maxHeaders: /);
  });
});

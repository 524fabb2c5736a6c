// `simple-edge demo` as a new operator runs it: the built CLI (node bin/simple-edge.js demo) in a
// working directory holding a copy of config/federation, so the certificates and SQLite state it
// makes land there and not in the repository. Both communities come up, alice and bob register,
// presence and a MESSAGE cross the border, everything stops and the process exits on its own.
// The demo binds the fixed ports of config/federation (5160-5261), so its runs are sequential here.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/edge-process.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'bin/simple-edge.js');
/** Every step is limited to 10 s; a whole demo takes a few. */
const DEMO_TIMEOUT_MS = 60_000;

interface DemoRun {
  readonly code: number | null;
  readonly stdout: string[];
  readonly stderr: string;
}

let cwd: string;

function runDemo(args: readonly string[]): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'demo', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`simple-edge demo did not exit within ${DEMO_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`));
    }, DEMO_TIMEOUT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: stdout.split('\n').filter((l) => l !== ''), stderr });
    });
  });
}

/** The lines every successful run prints, in order, after its DNS line. */
const CROSSING = [
  /^a\.example\.com: edge up, users on udp 127\.0\.0\.1:5160, tcp 127\.0\.0\.1:5160, peers on tls 127\.0\.0\.1:5161$/,
  /^b\.example\.net: edge up, users on udp 127\.0\.0\.1:5260, tcp 127\.0\.0\.1:5260, peers on tls 127\.0\.0\.1:5261$/,
  /^alice@a\.example\.com: registered at a\.example\.com \(401 digest challenge answered, then 200\)/,
  /^bob@b\.example\.net: registered at b\.example\.net \(401 digest challenge answered, then 200\)/,
  /^bob@b\.example\.net → alice@a\.example\.com: SUBSCRIBE presence crossed \(2\d\d\)$/,
  /^alice@a\.example\.com → bob@b\.example\.net: NOTIFY crossed \(Subscription-State: active/,
  /^alice@a\.example\.com: PUBLISH open \(200\)$/,
  /^alice@a\.example\.com → bob@b\.example\.net: NOTIFY crossed, alice is open$/,
  /^alice@a\.example\.com: PUBLISH closed \(200\)$/,
  /^alice@a\.example\.com → bob@b\.example\.net: NOTIFY crossed, alice is closed$/,
  /^alice@a\.example\.com → bob@b\.example\.net: MESSAGE crossed \(200\)$/,
  /^bob@b\.example\.net: MESSAGE received: "Hello bob@b\.example\.net, this is alice@a\.example\.com"$/,
  /^stopped: /,
  /^demo complete: the two communities federated$/,
];

beforeAll(async () => {
  await ensureBuilt();
  cwd = mkdtempSync(path.join(tmpdir(), 'simple-edge-demo-'));
  cpSync(path.join(REPO, 'config/federation'), path.join(cwd, 'config/federation'), {
    recursive: true,
    filter: (source) => !/\.(pem|key)$/.test(source),
  });
}, 240_000);

afterAll(() => {
  if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
});

describe('simple-edge demo, a real process on config/federation', () => {
  it(
    'makes the certificates on its first run, federates through named (DNS), prints each step and exits 0',
    async () => {
      const run = await runDemo([]);
      expect(run.code, run.stderr + run.stdout.join('\n')).toBe(0);
      expect(run.stdout[0]).toBe(
        'certificates: made a development CA and certificates for a.example.com and b.example.net in config/federation/certs/',
      );
      // bind9 is a test dependency (the test setup installs it), so the DNS path is the one played here.
      expect(run.stdout[1]).toMatch(
        /^DNS: named serves config\/federation\/federation\.zone on 127\.0\.0\.1:\d+; the edges find each other by NAPTR and SRV/,
      );
      run.stdout.slice(2).forEach((line, i) => expect(line).toMatch(CROSSING[i]!));
      expect(run.stdout).toHaveLength(2 + CROSSING.length);
      expect(existsSync(path.join(cwd, 'config/federation/certs/dev-ca.pem'))).toBe(true);
      expect(existsSync(path.join(cwd, 'var/federation/a.example.com.db'))).toBe(true);
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'with --no-dns runs again on the static routes, keeping the certificates and the state of the first run',
    async () => {
      const run = await runDemo(['--no-dns']);
      expect(run.code, run.stderr + run.stdout.join('\n')).toBe(0);
      expect(run.stdout.slice(0, 2)).toEqual([
        'certificates: using the development CA and certificates in config/federation/certs/',
        'DNS: --no-dns: the edges reach each other by their static routes',
      ]);
      run.stdout.slice(2).forEach((line, i) => expect(line).toMatch(CROSSING[i]!));
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'exits 6 naming the step when the border is not crossed (B routes a.example.com to a port nobody serves)',
    async () => {
      const file = path.join(cwd, 'config/federation/b.example.net.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('port: 5161, transport: tls', 'port: 5999, transport: tls'),
      );
      const run = await runDemo(['--no-dns']);
      expect(run.code).toBe(6);
      expect(run.stderr).toMatch(
        /^demo failed: bob@b\.example\.net → alice@a\.example\.com: SUBSCRIBE answered [45]\d\d/m,
      );
      expect(run.stdout.at(-1)).toMatch(/^stopped: a\.example\.com edge, b\.example\.net edge, user agents$/);
    },
    DEMO_TIMEOUT_MS,
  );
});

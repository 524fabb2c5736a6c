// O1/O5 as an operator sees them: `simple-edge start` (the built CLI, bin/simple-edge.js) with
// the shipped config/default.yaml — only its ports and its shutdown drain shortened — serves SIP until SIGTERM,
// then finishes and exits 0. Needs `npm run build` (npm test runs it first).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { LOOPBACK, PortAllocator, sipRequest, statusOf, udpExchange } from '../support/edge-harness.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'bin/simple-edge.js');
const BUILT_MAIN = path.join(REPO, 'dist/src/cli/main.js');
/** serve.ts allows 32 s for live transactions; an idle edge must be far quicker. */
const EXIT_WITHIN_MS = 15_000;

interface Listener {
  transport: 'udp' | 'tcp' | 'tls';
  address: string;
  port: number;
}

const hasIpv6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((i) => i?.address === '::1');

/** config/default.yaml with its listeners and admin port moved into the test range (UDP and TCP share one port). */
function defaultConfigOnFreePorts(base: number): { yaml: string; sipPort: number } {
  const config = parse(readFileSync(path.join(REPO, 'config/default.yaml'), 'utf8')) as {
    listen: { internal: Listener[]; external: Listener[] };
    admin: { listen: string };
    limits: { shutdownDrainMs: number };
  };
  const move = (listeners: Listener[]): Listener[] =>
    listeners
      .filter((l) => hasIpv6Loopback || !l.address.includes(':'))
      .map((l) => ({ ...l, port: l.transport === 'tls' ? base + 1 : base }));
  config.listen.internal = move(config.listen.internal);
  config.listen.external = move(config.listen.external);
  config.admin.listen = `${LOOPBACK}:${base + 2}`;
  // O5: a short drain, so SIGTERM ends the test at once (the 5 s default is proven in config-schema.test.ts).
  config.limits.shutdownDrainMs = 200;
  return { yaml: stringify(config), sipPort: base };
}

function servingLine(side: 'internal' | 'external', l: Listener): string {
  return `serving ${side} ${l.transport} ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`;
}

const cleanup: Array<() => void> = [];

afterEach(() => {
  for (const step of cleanup.splice(0).reverse()) step();
});

describe('O5 simple-edge start serves SIP until SIGTERM, then stops cleanly', () => {
  it('O1 O5 I2 `simple-edge start` with config/default.yaml answers OPTIONS over UDP, runs the built-in registrar, and exits 0 on SIGTERM', async () => {
    expect(existsSync(BUILT_MAIN), `${BUILT_MAIN} is missing: run npm run build`).toBe(true);
    const cwd = mkdtempSync(path.join(tmpdir(), 'simple-edge-start-'));
    cleanup.push(() => rmSync(cwd, { recursive: true, force: true }));
    const base = new PortAllocator().take(4);
    const { yaml, sipPort } = defaultConfigOnFreePorts(base);
    writeFileSync(path.join(cwd, 'edge.yaml'), yaml);

    // A temp working directory: the development certificates (certs/) and state (var/) land there.
    const child = spawn(process.execPath, [CLI, 'start', '--config', 'edge.yaml'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal }));
    });

    const config = parse(yaml) as { listen: { internal: Listener[]; external: Listener[] } };
    const expected = [
      ...config.listen.internal.map((l) => servingLine('internal', l)),
      ...config.listen.external.map((l) => servingLine('external', l)),
    ];
    await expect
      .poll(() => expected.filter((line) => !stdout.includes(line)), { timeout: 15_000, interval: 50 })
      .toEqual([]);
    expect(existsSync(path.join(cwd, 'certs', 'a.example.com.pem'))).toBe(true);

    const clientPort = base + 3;
    const response = await udpExchange({
      port: sipPort,
      localPort: clientPort,
      bytes: sipRequest({
        requestUri: 'sip:probe@unknown.example.org',
        transport: 'UDP',
        localPort: clientPort,
        callId: `start-${base}`,
      }),
    });
    expect(statusOf(response), `no answer over UDP; stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(404);

    // I2: the shipped configuration runs a whole community: the built-in registrar challenges a
    // REGISTER, and OPTIONS to the domain is answered with its capabilities (M3).
    const challenge = await udpExchange({
      port: sipPort,
      localPort: clientPort,
      bytes: sipRequest({
        method: 'REGISTER',
        requestUri: 'sip:a.example.com',
        to: 'To: <sip:alice@a.example.com>',
        transport: 'UDP',
        localPort: clientPort,
        callId: `register-${base}`,
      }),
    });
    expect(statusOf(challenge)).toBe(401);
    expect(challenge).toMatch(
      /\r\nWWW-Authenticate: Digest realm="a\.example\.com", nonce="[^"]+", algorithm=MD5, qop="auth"\r\n/,
    );
    const capabilities = await udpExchange({
      port: sipPort,
      localPort: clientPort,
      bytes: sipRequest({
        requestUri: 'sip:a.example.com',
        transport: 'UDP',
        localPort: clientPort,
        callId: `options-${base}`,
      }),
    });
    expect(statusOf(capabilities)).toBe(200);
    expect(capabilities).toMatch(/\r\nAllow: [^\r]*MESSAGE/);

    const signalledAt = Date.now();
    child.kill('SIGTERM');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      exited,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), EXIT_WITHIN_MS))),
    ]);
    clearTimeout(timer);
    expect(result, `stdout:\n${stdout}\nstderr:\n${stderr}`).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(EXIT_WITHIN_MS);
    expect(stdout).toContain('SIGTERM: no new requests; finishing live transactions');
    expect(stdout).toContain('stopped');
  }, 40_000);
});

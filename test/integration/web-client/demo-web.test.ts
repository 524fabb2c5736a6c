// `simple-edge demo --web` in-process, on a copy of config/federation moved to ports of its own (the
// plain demo's test binds the fixed ones) and to a temp directory (certificates, users, state): both
// edges come up with the web client on a WebSocket listener beside their TCP one, the demo prints
// one address per user, each serves the page with its community's domain, and stopping it stops both.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../../src/cli/demo.js';
import { PortAllocator } from '../../support/edge-harness.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

let workDir: string;
let dir: string;

/** config/federation with every fixed port and relative path replaced; returns the new web ports. */
function copyFederation(): { a: number; b: number } {
  const ports = new PortAllocator();
  const a = ports.take(4);
  const b = ports.take(4);
  const moved: Record<string, number> = {
    5160: a,
    5161: a + 1,
    5163: a + 3,
    9160: ports.take(1),
    5260: b,
    5261: b + 1,
    5263: b + 3,
    9260: ports.take(1),
  };
  dir = path.join(workDir, 'config', 'federation');
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(path.join(REPO_ROOT, 'config/federation'))) {
    if (!name.endsWith('.yaml')) continue;
    const text = readFileSync(path.join(REPO_ROOT, 'config/federation', name), 'utf8')
      .replace(/\b(5160|5161|5163|9160|5260|5261|5263|9260)\b/g, (port) => String(moved[port]))
      .replaceAll('config/federation/', `${dir}/`)
      .replaceAll('var/federation/', `${workDir}/var/`);
    writeFileSync(path.join(dir, name), text);
  }
  return { a: a + 2, b: b + 2 };
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-demo-web-'));
});

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('I7 simple-edge demo --web', () => {
  it('I7 serves the web client on both communities, prints where alice and bob sign in, and stops when asked', async () => {
    const web = copyFederation();
    const lines: string[] = [];
    const until = new AbortController();
    let offered: () => void = () => undefined;
    const printed = new Promise<void>((resolve) => (offered = resolve));
    const io = {
      out: (line: string) => {
        lines.push(line);
        if (line.startsWith('open each address')) offered();
      },
      err: (line: string) => lines.push(`error: ${line}`),
    };
    const demo = runDemo({ dir, dns: false, io, web: true, until: until.signal });
    // The demo returns early only when it failed to start; its lines then say why.
    await Promise.race([printed, demo]);
    const urls = lines.filter((l) => l.startsWith('web client: ')).map((l) => /at (\S+)/.exec(l)![1]!);
    expect(
      lines.filter((l) => l.startsWith('web client: ')),
      lines.join('\n'),
    ).toEqual([
      `web client: alice@a.example.com at http://127.0.0.1:${web.a}/?user=alice%40a.example.com&buddy=bob%40b.example.net (password: wonderland)`,
      `web client: bob@b.example.net at http://127.0.0.1:${web.b}/?user=bob%40b.example.net&buddy=alice%40a.example.com (password: looking-glass)`,
    ]);
    for (const [url, domain] of [
      [urls[0]!, 'a.example.com'],
      [urls[1]!, 'b.example.net'],
    ] as const) {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await page.text()).toContain('simple-edge web client');
      expect(((await (await fetch(new URL('/community.json', url))).json()) as { domain: string }).domain).toBe(domain);
    }
    until.abort();
    expect(await demo).toBe(0);
    expect(lines.slice(-2)).toEqual(['stopped: a.example.com edge, b.example.net edge', 'demo stopped']);
  });
});

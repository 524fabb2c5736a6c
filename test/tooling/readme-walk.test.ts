// O1: the README's commands work in the order written. Every shell block the README marks with
// `<!-- walk -->` runs here, in order, in a scratch directory holding a copy of config/ — so the state,
// certificates and reports they write land there — with `npx simple-edge` running this checkout's
// CLI from source. `<!-- walk: serve -->` marks a server (`simple-edge start`): it runs in the
// background until it says what it serves, stays up while the next walked block runs, then gets
// SIGTERM and must exit 0. `<!-- walk: exit 0 5 -->` lists the exit codes a block may end with.
// The ports the shipped configurations use are moved to free ones (in the copies and in the
// commands alike), so the walk does not depend on what else runs on this machine.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PortAllocator } from '../support/edge-harness.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface WalkedBlock {
  readonly kind: 'run' | 'serve';
  readonly exits: readonly number[];
  readonly script: string;
  readonly line: number;
}

/** The marked ```sh blocks of a Markdown text, in order. */
export function walkedBlocks(markdown: string): WalkedBlock[] {
  const blocks: WalkedBlock[] = [];
  const marker = /<!-- walk(?::\s*([^>]*?))?\s*-->\n```sh\n([\s\S]*?)```/g;
  for (let match = marker.exec(markdown); match !== null; match = marker.exec(markdown)) {
    const words = (match[1] ?? '').split(/\s+/).filter((w) => w !== '');
    const serve = words[0] === 'serve';
    const exits = words[0] === 'exit' ? words.slice(1).map(Number) : [0];
    const line = markdown.slice(0, match.index).split('\n').length;
    blocks.push({ kind: serve ? 'serve' : 'run', exits, script: match[2]!, line });
  }
  return blocks;
}

/** The ports the shipped configurations listen on and point at. */
const SHIPPED_PORTS = [5060, 5061, 5070, 5071, 9060];

function portMapping(): Map<number, number> {
  const first = new PortAllocator().take(SHIPPED_PORTS.length);
  return new Map(SHIPPED_PORTS.map((port, i) => [port, first + i]));
}

function movePorts(text: string, ports: Map<number, number>): string {
  return text.replace(/(?<![0-9])(5060|5061|5070|5071|9060)(?![0-9])/g, (port) => String(ports.get(Number(port))));
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return yamlFiles(file);
    return name.endsWith('.yaml') ? [file] : [];
  });
}

/** A scratch directory with config/ (ports moved) and an `npx` that runs this checkout's CLI. */
function sandbox(ports: Map<number, number>): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-readme-'));
  cpSync(path.join(root, 'config'), path.join(dir, 'config'), {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}certs${path.sep}`),
  });
  for (const file of yamlFiles(path.join(dir, 'config')))
    writeFileSync(file, movePorts(readFileSync(file, 'utf8'), ports));
  const bin = path.join(dir, '.bin');
  mkdirSync(bin);
  const npx = path.join(bin, 'npx');
  writeFileSync(
    npx,
    [
      '#!/bin/sh',
      'if [ "$1" = simple-edge ]; then',
      '  shift',
      `  exec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${path.join(root, 'src/cli/cli-entry.ts')}" "$@"`,
      'fi',
      'echo "readme walk: npx $1 is not walked" >&2',
      'exit 127',
      '',
    ].join('\n'),
  );
  chmodSync(npx, 0o755);
  return { dir, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` } };
}

interface Server {
  readonly child: ChildProcess;
  readonly output: () => string;
}

/** Runs a serve block until it says what it serves (or gives up). */
function startServer(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn('bash', ['-c', `exec ${script.trim()}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const output = (): string => text;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (/^serving admin /m.test(text)) resolve({ child, output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('close', (code) => reject(new Error(`the server exited (${code}) before serving:\n${text}`)));
  });
}

async function stopServer(server: Server): Promise<number | null> {
  if (server.child.exitCode !== null) return server.child.exitCode;
  const closed = new Promise<number | null>((resolve) => server.child.once('close', resolve));
  // Twice: the second signal skips the drain (limits.shutdownDrainMs), as an operator may.
  server.child.kill('SIGTERM');
  setTimeout(() => server.child.kill('SIGTERM'), 200).unref();
  return closed;
}

const ports = portMapping();
const { dir, env } = sandbox(ports);
const running: Server[] = [];

afterAll(async () => {
  for (const server of running) await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

describe('O1 the README walked in order', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const blocks = walkedBlocks(readme);

  it('O1 marks the getting-started path: check-config, users, start, a health check and the two load-test commands', () => {
    const scripts = blocks.map((b) => b.script).join('\n');
    expect(scripts).toContain('npx simple-edge check-config config/default.yaml');
    expect(scripts).toContain('npx simple-edge users add alice@a.example.com');
    expect(blocks.filter((b) => b.kind === 'serve').map((b) => b.script.trim())).toEqual([
      'npx simple-edge start --config config/default.yaml',
      'npx simple-edge start --config config/loadtest/edge.yaml',
    ]);
    expect(scripts).toContain('npx simple-edge loadtest config/loadtest/federation-policies.yaml');
  });

  it('O1 L1 every walked block runs, in the order written, each ending with an exit code it allows', async () => {
    for (const block of blocks) {
      const script = movePorts(block.script, ports);
      if (block.kind === 'serve') {
        running.push(await startServer(script, dir, env));
        continue;
      }
      const run = spawnSync('bash', ['-e', '-c', script], { cwd: dir, env, encoding: 'utf8', timeout: 150_000 });
      expect(
        block.exits,
        `README line ${block.line}: exit ${run.status}\n${script}\n${run.stdout}\n${run.stderr}`,
      ).toContain(run.status);
      // A server serves the block after it, then stops cleanly.
      for (const server of running.splice(0)) {
        expect(await stopServer(server), `README server before line ${block.line}:\n${server.output()}`).toBe(0);
      }
    }
    expect(readFileSync(path.join(dir, 'loadtest-report.json'), 'utf8')).toContain('"closedByTarget": []');
  }, 600_000);
});

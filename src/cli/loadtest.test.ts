import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

const dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-loadtest-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await main(args, { io: { out: (l) => lines.push(l), err: (l) => lines.push(l) } });
  return { code, lines };
}

describe('L1 simple-edge loadtest on the command line', () => {
  it('L1 a scenario file that does not exist is exit 2 with the reason', async () => {
    const result = await run(['loadtest', path.join(dir, 'absent.yaml')]);
    expect(result.code).toBe(2);
    expect(result.lines.join('\n')).toMatch(/cannot read/);
  });

  it('L1 an invalid scenario file is exit 2, each problem named by its path', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'target: { external: { host: 127.0.0.1, port: 99999 } }\nscenarios: [{ kind: flood }]\n');
    const result = await run(['loadtest', file]);
    expect(result.code).toBe(2);
    expect(result.lines.some((l) => l.includes('target.external.port'))).toBe(true);
    expect(result.lines.some((l) => l.includes('scenarios.0.kind'))).toBe(true);
  });

  it('L1 a target beyond loopback that the file does not allow is refused before any traffic (exit 3)', async () => {
    const file = path.join(dir, 'remote.yaml');
    writeFileSync(
      file,
      'target: { external: { host: 192.0.2.10, port: 5061 } }\nscenarios: [{ kind: message-flood }]\n' +
        'tls: { cert: c.pem, key: k.pem, ca: ca.pem }\n',
    );
    const result = await run(['loadtest', file, '--duration', '1']);
    expect(result.code).toBe(3);
    expect(result.lines.join('\n')).toMatch(/refusing to load 192\.0\.2\.10: only loopback by default/);
  });
});

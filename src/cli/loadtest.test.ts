import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates } from './dev-certificates.js';
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

  it('L1 a target that closes the connections mid-run is reported as connection closed, not timeout, and exits 3', async () => {
    const certs = ensureDevCertificates(path.join(dir, 'certs'), ['a.example.com', 'b.example.net']);
    const own = certs.certificates.find((c) => c.domain === 'a.example.com')!;
    const peer = certs.certificates.find((c) => c.domain === 'b.example.net')!;
    // An edge that goes away: it completes the handshake, then closes each connection once it has requests.
    const target = createServer(
      { cert: readFileSync(own.cert), key: readFileSync(own.key), ca: readFileSync(certs.caCert), requestCert: true },
      (socket: TLSSocket) => socket.once('data', () => socket.destroy()),
    );
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const port = (target.address() as { port: number }).port;
    const file = path.join(dir, 'closing.yaml');
    writeFileSync(
      file,
      [
        `target: { external: { host: 127.0.0.1, port: ${port} } }`,
        `tls: { cert: ${peer.cert}, key: ${peer.key}, ca: ${certs.caCert} }`,
        'rate: 50',
        'duration: 30',
        'scenarios: [{ kind: message-flood }]',
      ].join('\n'),
    );
    try {
      const json = path.join(dir, 'closing.json');
      const result = await run(['loadtest', file, '--json', json, '--html', path.join(dir, 'closing.html')]);
      expect(result.code).toBe(3);
      const text = result.lines.join('\n');
      expect(text).toMatch(/the target closed the connection \(127\.0\.0\.1:\d+\): 2 of the run's connections/);
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report.totals.outcomes['connection-closed']).toBeGreaterThan(0);
      expect(report.totals.outcomes.timeout).toBeUndefined();
      // The run stopped once no connection was left instead of idling out its 30 s.
      expect(report.elapsedSeconds).toBeLessThan(30);
    } finally {
      target.close();
    }
  }, 60_000);
});

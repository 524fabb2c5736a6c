import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config.js';
import { formatPolicyDocument, parsePolicyDocument, policyDocumentOf } from '../config/policy-document.js';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-code.js';
import { runPolicyShow } from './policy-show.js';

const dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-policy-show-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(text: string): string {
  const file = path.join(dir, `edge-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

function capture(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => void lines.push(l), err: (l) => void errors.push(l) };
}

function peerDocument(extra: string): string {
  const parsed = parseConfigText(`domains: [b.example.net]\n${extra}`, 'peer');
  if (!parsed.ok) throw new Error('peer config');
  return formatPolicyDocument(policyDocumentOf(parsed.config));
}

describe('simple-edge policy show (G2)', () => {
  it('G2 prints our own document, one a peer can read back', async () => {
    const io = capture();
    expect(
      await runPolicyShow({
        io,
        configPath: configFile('domains: [a.example.com]\npolicyDocument: { version: 9 }\n'),
        own: true,
      }),
    ).toBe(ExitCode.ok);
    const read = parsePolicyDocument(io.lines.join('\n'));
    expect(read.ok && read.document.version).toBe(9);
  });

  it("G2 fetches a peer's document from its configured URL and says how outbound traffic adapts", async () => {
    const io = capture();
    const asked: string[] = [];
    const code = await runPolicyShow({
      io,
      domain: 'B.example.net',
      configPath: configFile(
        'domains: [a.example.com]\npolicyDocument: { peers: [{ peer: b.example.net, url: "https://policy.b.example.net/p.xml" }] }\n',
      ),
      get: async (url, peer) => (
        asked.push(`${url} ${peer}`),
        peerDocument('policy: { limits: { minSubscriptionExpiresSeconds: 1800, notifyIntervalSeconds: 900 } }\n')
      ),
    });
    expect(code).toBe(ExitCode.ok);
    expect(asked).toEqual(['https://policy.b.example.net/p.xml b.example.net']);
    expect(io.lines).toContain('  SUBSCRIBE Expires  1800..86400 s');
    expect(io.lines).toContain('  - paces unchanged NOTIFYs at 900 s (ours 600 s)');
  });

  it('G2 names the CA file it cannot read instead of failing with a stack trace', async () => {
    const io = capture();
    const code = await runPolicyShow({
      io,
      domain: 'b.example.net',
      configPath: configFile('domains: [a.example.com]\ntls: { ca: /nonexistent/ca.pem }\n'),
      get: async () => '',
    });
    expect(code).toBe(ExitCode.runtimeFailure);
    expect(io.errors[0]).toMatch(/^tls\.ca \/nonexistent\/ca\.pem: .*ENOENT/);
  });

  it("G2 says why a peer's document is refused, with a failing exit code", async () => {
    const io = capture();
    const code = await runPolicyShow({
      io,
      domain: 'b.example.net',
      configPath: configFile('domains: [a.example.com]\n'),
      get: async () => '<html>nope</html>',
    });
    expect(code).toBe(ExitCode.runtimeFailure);
    expect(io.errors).toEqual([
      'b.example.net: no policy document from https://b.example.net/.well-known/sip-federation-policy.xml: the root element is not <federation-policy>',
    ]);
  });
});

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { sipJsRoot, webClientRoot } from './create-web-client.js';
import { WEB_CLIENT_CSP, WebClientFiles, type WebClientOutcome } from './web-client-files.js';

interface Answer {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer;
}

/** Answers one request through the handler, recording what it wrote (no socket). */
async function ask(files: WebClientFiles, url: string, method = 'GET'): Promise<Answer> {
  const answer: Answer = { status: 0, headers: {}, body: Buffer.alloc(0) };
  const response = {
    headersSent: false,
    writeHead(status: number, headers: Record<string, string | number>) {
      answer.status = status;
      answer.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      this.headersSent = true;
      return this;
    },
    end(body?: Buffer | string) {
      if (body !== undefined) answer.body = Buffer.from(body);
    },
  };
  const request = { method, url, socket: { remoteAddress: '127.0.0.1' } };
  await files.handle(request as unknown as IncomingMessage, response as unknown as ServerResponse);
  return answer;
}

let outside: string;
const outcomes: WebClientOutcome[] = [];
let files: WebClientFiles;

beforeAll(() => {
  outside = mkdtempSync(path.join(tmpdir(), 'simple-edge-web-'));
  writeFileSync(path.join(outside, 'secret.js'), 'secret');
  files = new WebClientFiles({
    webRoot: webClientRoot(),
    sipJsRoot: sipJsRoot(),
    domains: ['a.example.com', 'a.example.org'],
    webSocketPath: '/sip',
    log: silentLogger(),
    counted: (outcome) => outcomes.push(outcome),
  });
});

afterAll(() => rmSync(outside, { recursive: true, force: true }));

describe('I7 the web client files', () => {
  it('I7 serves the page at / as HTML with a Content-Security-Policy that allows only its own origin', async () => {
    const answer = await ask(files, '/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toBe(WEB_CLIENT_CSP);
    expect(WEB_CLIENT_CSP).toContain("script-src 'self'");
    expect(WEB_CLIENT_CSP).toContain("default-src 'none'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.body.toString('utf8')).toContain('<script type="module" src="app.js"></script>');
  });

  it('I7 serves the scripts, the style sheet and SIP.js from its package with their content types', async () => {
    expect((await ask(files, '/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await ask(files, '/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const sipJs = await ask(files, '/vendor/sip.js/index.js');
    expect(sipJs.status).toBe(200);
    expect(sipJs.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(sipJs.body.toString('utf8')).toContain('export * from "./api/index.js"');
    expect((await ask(files, '/vendor/sip.js/api/user-agent.js?v=1')).status).toBe(200);
  });

  it("I7 tells the page its community's domain and where to open its WebSocket", async () => {
    const answer = await ask(files, '/community.json');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({
      domain: 'a.example.com',
      domains: ['a.example.com', 'a.example.org'],
      webSocketPath: '/sip',
    });
  });

  it('I7 answers 404 for files it does not serve: missing, directories, type definitions, other types', async () => {
    for (const url of ['/nothing.js', '/vendor/sip.js/api', '/vendor/sip.js/index.d.ts', '/presence-document.d.ts'])
      expect((await ask(files, url)).status, url).toBe(404);
  });

  it('I7 refuses a path that climbs out of its roots with 400, reads nothing and counts it refused', async () => {
    outcomes.length = 0;
    for (const url of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/vendor/sip.js/..%2f..%2fpackage.json',
      '/a%00.js',
    ]) {
      const answer = await ask(files, url);
      expect(answer.status, url).toBe(400);
      expect(answer.headers['content-security-policy']).toBe(WEB_CLIENT_CSP);
    }
    expect(outcomes).toEqual(['refused', 'refused', 'refused', 'refused']);
  });

  it('I7 does not follow a symbolic link out of the served directory', async () => {
    const root = mkdtempSync(path.join(outside, 'web-'));
    mkdirSync(path.join(root, 'lib'));
    symlinkSync(path.join(outside, 'secret.js'), path.join(root, 'lib', 'leak.js'));
    const linked = new WebClientFiles({
      webRoot: root,
      sipJsRoot: root,
      domains: ['a.example.com'],
      log: silentLogger(),
    });
    expect((await ask(linked, '/lib/leak.js')).status).toBe(404);
  });

  it('I7 answers GET and HEAD only: HEAD without a body, anything else 405 with Allow', async () => {
    const head = await ask(files, '/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBeGreaterThan(0);
    expect(head.body.length).toBe(0);
    const post = await ask(files, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });
});

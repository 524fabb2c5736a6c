// The web client's files (SPEC I7, user side), answered on the HTTP side of the WebSocket listener
// when community.webClient is on: the page from web/, SIP.js from its own package (so the browser
// imports it as ES modules, no bundler), and a small JSON description of the community. Only GET and
// HEAD, only files of known types under the two roots; every answer carries a Content-Security-Policy
// that lets the page load nothing but its own origin's scripts and styles and open WebSockets.

import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Logger } from '../observability/logger.js';
import { resolveRequestPath, type RequestPathOutcome } from './request-path.js';

/** I7: what the page may load. `'self'` in connect-src covers ws:/wss: of the same host (CSP Level 3). */
export const WEB_CLIENT_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The only files served; anything else under the roots (source maps, .d.ts, dotfiles) answers 404. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Where SIP.js's ES modules appear to the page: `import { UserAgent } from '/vendor/sip.js/index.js'`. */
export const SIP_JS_PREFIX = '/vendor/sip.js/';
/** The page reads its community's domain here, to complete a bare user name into an address. */
export const COMMUNITY_PATH = '/community.json';

export type WebClientOutcome = 'served' | 'not-found' | 'refused' | 'method-not-allowed';

export interface WebClientFilesOptions {
  /** The page's own files (the repository's web/). */
  readonly webRoot: string;
  /** SIP.js's ES modules (node_modules/sip.js/lib). */
  readonly sipJsRoot: string;
  /** This community's domains; the first completes bare user names. */
  readonly domains: readonly string[];
  /** The HTTP path the WebSocket listeners upgrade on (the page connects there); `/` by default. */
  readonly webSocketPath?: string;
  readonly log: Logger;
  /** Counts each answer (simple_edge_web_client_requests_total). */
  readonly counted?: (outcome: WebClientOutcome) => void;
}

export class WebClientFiles {
  readonly #options: WebClientFilesOptions;
  readonly #community: Buffer;

  constructor(options: WebClientFilesOptions) {
    this.#options = options;
    this.#community = Buffer.from(
      JSON.stringify({
        domain: options.domains[0],
        domains: options.domains,
        webSocketPath: options.webSocketPath ?? '/',
      }),
    );
  }

  /** Answers one plain HTTP request (a WebSocket upgrade never reaches here). */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      this.#answer(response, 'method-not-allowed', 405, { Allow: 'GET, HEAD' });
      return;
    }
    const target = this.#locate(request.url ?? '/');
    if (target.kind === 'refused') {
      // I7: a path that tries to leave the served roots is answered 400 and logged; nothing is read.
      this.#options.log.warn(
        { url: request.url, remote: request.socket.remoteAddress, why: target.why },
        'I7 web client: refused a request path outside the served files',
      );
      this.#answer(response, 'refused', 400);
      return;
    }
    if (target.kind === 'community') {
      this.#send(response, method, '.json', this.#community);
      return;
    }
    const body = target.kind === 'file' ? await this.#read(target.root, target.file) : undefined;
    if (body === undefined) {
      this.#answer(response, 'not-found', 404);
      return;
    }
    this.#send(response, method, path.extname(target.file), body);
  }

  #locate(url: string): RequestPathOutcome | { kind: 'community' } {
    const pathname = url.split('?', 1)[0]!.split('#', 1)[0]!;
    if (pathname === COMMUNITY_PATH) return { kind: 'community' };
    const { webRoot, sipJsRoot } = this.#options;
    if (pathname.startsWith(SIP_JS_PREFIX))
      return resolveRequestPath({ root: sipJsRoot, relative: pathname.slice(SIP_JS_PREFIX.length) });
    return resolveRequestPath({ root: webRoot, relative: pathname === '/' ? 'index.html' : pathname.slice(1) });
  }

  /** The file's bytes when it is a regular file of a served type that, symlinks followed, stays under `root`. */
  async #read(root: string, file: string): Promise<Buffer | undefined> {
    if (CONTENT_TYPES[path.extname(file)] === undefined) return undefined;
    try {
      const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
      if (!realFile.startsWith(realRoot + path.sep)) return undefined;
      if (!(await stat(realFile)).isFile()) return undefined;
      return await readFile(realFile);
    } catch {
      return undefined;
    }
  }

  #send(response: ServerResponse, method: string, extension: string, body: Buffer): void {
    this.#options.counted?.('served');
    response.writeHead(200, {
      ...securityHeaders(),
      'Content-Type': CONTENT_TYPES[extension]!,
      'Content-Length': body.length,
      // The page changes with the edge's version: revalidate rather than keep a stale SIP.js.
      'Cache-Control': 'no-cache',
    });
    response.end(method === 'HEAD' ? undefined : body);
  }

  #answer(response: ServerResponse, outcome: WebClientOutcome, status: number, headers: Record<string, string> = {}) {
    this.#options.counted?.(outcome);
    const body = `${status === 404 ? 'not found' : status === 405 ? 'method not allowed' : 'bad request'}\n`;
    response.writeHead(status, {
      ...securityHeaders(),
      ...headers,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  }
}

function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': WEB_CLIENT_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

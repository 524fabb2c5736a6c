// The admin HTTP listener (SPEC O3): /metrics for Prometheus, /healthz (the process answers),
// /readyz (listeners up, store reachable), the JSON admin API under /admin/, and the community's
// policy document (G2) at /.well-known/sip-federation-policy.xml. It is bound to
// loopback by default and kept off the SIP ports. /admin/ takes a bearer token when one is
// configured; without one it answers loopback clients only, so a listener moved to a public address
// by mistake does not open the 604 cache and the tombstones to the world.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { POLICY_DOCUMENT_PATH } from '../config/policy-document.js';
import type { Logger } from '../observability/logger.js';
import type { AdminBackend } from './admin-backend.js';
import { boundAddress, closeServer, listenOn } from './http-listening.js';
import { problem, type AdminReply } from './admin-reply.js';
import { routeAdmin } from './admin-routes.js';

export interface AdminServerOptions {
  readonly address: string;
  /** 0 binds an ephemeral port (tests). */
  readonly port: number;
  /** Bearer token for /admin/; null: loopback clients only. */
  readonly token: string | null;
  readonly backend: AdminBackend;
  readonly log: Logger;
}

/** A JSON body larger than this is refused: admin calls carry an address or a level. */
const MAX_BODY_BYTES = 16 * 1024;

export class AdminServer {
  readonly #options: AdminServerOptions;
  readonly #server: Server;
  /** SHA-256 of `Bearer <token>`: compared in constant time against the header's, whatever its length. */
  readonly #expectedAuthorization: Buffer | undefined;

  constructor(options: AdminServerOptions) {
    this.#options = options;
    this.#expectedAuthorization = options.token === null ? undefined : sha256(`Bearer ${options.token}`);
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        options.log.error({ err: error, url: request.url }, 'admin request failed');
        send(response, { status: 500, body: { error: 'internal error; see the log' } });
      });
    });
  }

  /** The address and port actually bound. */
  get address(): { address: string; port: number } {
    return boundAddress(this.#server, 'admin listener');
  }

  listen(): Promise<void> {
    return listenOn(this.#server, this.#options.port, this.#options.address);
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request.url);
    if (url === undefined)
      return send(
        response,
        problem(400, 'the request target is not a path', {
          parameter: 'path',
          allowed: 'an absolute path such as /admin/flows',
        }),
      );
    const backend = this.#options.backend;
    if (url.pathname === '/healthz') return send(response, { status: 200, body: { status: 'ok' } });
    if (url.pathname === '/readyz') {
      const checks = await backend.readiness();
      return send(response, { status: checks.every((c) => c.ok) ? 200 : 503, body: { checks } });
    }
    if (url.pathname === '/metrics') {
      const { contentType, body } = await backend.metrics();
      response.writeHead(200, { 'content-type': contentType });
      response.end(body);
      return;
    }
    if (url.pathname === POLICY_DOCUMENT_PATH) {
      const document = backend.policyDocument();
      response.writeHead(200, {
        'content-type': 'application/xml; charset=utf-8',
        'content-length': Buffer.byteLength(document),
      });
      response.end(document);
      return;
    }
    if (!url.pathname.startsWith('/admin/')) return send(response, { status: 404, body: { error: 'not found' } });
    const refusal = this.#authorise(request);
    if (refusal !== undefined) return send(response, refusal);
    const body = await readJson(request);
    if (body === INVALID)
      return send(response, { status: 400, body: { error: 'the body is not JSON (or is over 16 KiB)' } });
    const segments = pathSegments(url.pathname.slice('/admin/'.length));
    if (segments === undefined) {
      return send(
        response,
        problem(400, 'the path holds a malformed percent-escape', {
          parameter: 'path',
          allowed: 'UTF-8 percent-escapes, as encodeURIComponent writes them (%40 for @)',
        }),
      );
    }
    const reply = await routeAdmin(
      { method: request.method ?? 'GET', segments, query: url.searchParams, body },
      backend,
    );
    if (request.method !== 'GET')
      this.#options.log.info({ method: request.method, path: url.pathname, status: reply.status }, 'admin change');
    send(response, reply);
  }

  #authorise(request: IncomingMessage): AdminReply | undefined {
    const expected = this.#expectedAuthorization;
    if (expected === undefined) {
      return isLoopback(request.socket.remoteAddress)
        ? undefined
        : { status: 403, body: { error: 'no admin.token configured: loopback clients only' } };
    }
    // O3: hashing both sides first gives equal lengths, so neither the token's bytes nor its length leak
    // through the time a refusal takes.
    const given = sha256(request.headers.authorization ?? '');
    return timingSafeEqual(given, expected)
      ? undefined
      : { status: 401, body: { error: 'a valid bearer token is required' } };
  }
}

const INVALID = Symbol('invalid body');

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The request target against a dummy origin; undefined for one WHATWG URL refuses (`//[`). */
function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://admin');
  } catch {
    return undefined;
  }
}

/** Path segments after /admin/, decoded; undefined when one holds a malformed percent-escape. */
function pathSegments(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    return undefined; // URIError: `%E0%A4%A`, `%zz`, a lone surrogate's escape
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return INVALID;
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return INVALID;
  }
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(plain) === 4 ? plain.startsWith('127.') : plain === '::1';
}

function send(response: ServerResponse, reply: AdminReply): void {
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

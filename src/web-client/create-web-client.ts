// The web client as the edge mounts it (SPEC I7): off unless community.webClient is true; when on,
// a request handler for the WebSocket listener's HTTP side, its answers counted by outcome.

import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Counter, type Registry } from 'prom-client';
import type { EdgeConfig } from '../config/config-schema.js';
import type { Logger } from '../observability/logger.js';
import { WebClientFiles, type WebClientOutcome } from './web-client-files.js';

/** A plain (non-upgrade) HTTP request on a WebSocket listener, answered by the web client. */
export type WebClientHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface WebClientOptions {
  readonly enabled: boolean;
  readonly domains: readonly string[];
  /** Where the page opens its WebSocket: the path of the community's first ws or wss listener. */
  readonly webSocketPath?: string;
  readonly log: Logger;
  /** Where simple_edge_web_client_requests_total is registered (the edge's metrics registry). */
  readonly registry?: Registry;
}

/** I7: the handler the edge mounts on its WebSocket listeners, as the configuration asks (none when off). */
export function webClientOf(
  config: EdgeConfig,
  deps: { readonly log: Logger; readonly registry: Registry },
): WebClientHandler | undefined {
  // The configuration refuses webClient without a ws or wss listener (community-schema.ts).
  const webSocket = config.listen.internal.find((l) => l.transport === 'ws' || l.transport === 'wss');
  return createWebClient({
    enabled: config.community.webClient,
    domains: config.domains,
    ...(webSocket?.path === undefined ? {} : { webSocketPath: webSocket.path }),
    ...deps,
  });
}

export function createWebClient(options: WebClientOptions): WebClientHandler | undefined {
  if (!options.enabled) return undefined;
  const requests = new Counter({
    name: 'simple_edge_web_client_requests_total',
    help: 'HTTP requests the web client answered, by outcome (served, not-found, refused, method-not-allowed)',
    labelNames: ['outcome'] as const,
    registers: options.registry === undefined ? [] : [options.registry],
  });
  const files = new WebClientFiles({
    webRoot: webClientRoot(),
    sipJsRoot: sipJsRoot(),
    domains: options.domains,
    ...(options.webSocketPath === undefined ? {} : { webSocketPath: options.webSocketPath }),
    log: options.log,
    counted: (outcome: WebClientOutcome) => requests.inc({ outcome }),
  });
  return (request, response) => {
    files.handle(request, response).catch((error: unknown) => {
      options.log.error({ err: error, url: request.url }, 'web client request failed');
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
}

/** The package's web/ directory, found upwards from this module (src/ under tsx, dist/src/ once built). */
export function webClientRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'web');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('the web client files (web/index.html) are missing from this installation');
    dir = parent;
  }
}

/** SIP.js's ES modules, from the installed package (a runtime dependency). */
export function sipJsRoot(): string {
  return path.dirname(createRequire(import.meta.url).resolve('sip.js'));
}

// Routing by configuration: the community's own domains go to its internal servers, configured peer
// domains to their static next hops, anything else addressed to an IP literal straight there, and
// every other domain is refused (closed federation until discovery is configured).

import { isIP } from 'node:net';
import type { EdgeConfig } from '../config/config-schema.js';
import { isSipUri, parseUri } from '../sip/uri.js';
import type { RouteDecision, RouteRequest, Router, RouteTarget } from './route-types.js';
import { otherSide, resolveTarget, targetFromUri } from './resolve-target.js';

type Targets = ReadonlyArray<{ readonly host: string; readonly port: number; readonly transport: 'udp' | 'tcp' | 'tls' }>;

export class StaticRouter implements Router {
  readonly #domains: ReadonlySet<string>;
  readonly #peerRoutes: ReadonlyMap<string, Targets>;
  readonly #internal: EdgeConfig['internal'];

  constructor(config: Pick<EdgeConfig, 'domains' | 'routes' | 'internal'>) {
    this.#domains = new Set(config.domains.map((d) => d.toLowerCase()));
    this.#peerRoutes = new Map(config.routes.map((r) => [r.domain.toLowerCase(), r.targets]));
    this.#internal = config.internal;
  }

  async route({ request, flow, requestUri: uri, nextHop }: RouteRequest): Promise<RouteDecision> {
    if (nextHop !== undefined) {
      // RFC 3261 §16.6 step 7: a remaining Route set names the next hop.
      const target = await targetFromUri(parseUri(nextHop.uri), nextHop.side ?? otherSide(flow.side));
      return target ? forward([target]) : reply(416, 'Route to an unsupported URI scheme', 'RFC 3261 §16.6');
    }
    if (!isSipUri(uri)) return reply(416, undefined, 'RFC 3261 §16.3 step 2');
    const host = uri.host.toLowerCase();
    if (this.#domains.has(host)) return this.#internalRoute(request.method, request.headers.get('event'));
    const peer = this.#peerRoutes.get(host);
    // RFC 5922 §4: the peer's certificate must cover the domain reached, named as SNI (D1 static route).
    if (peer !== undefined) return forward(await Promise.all(peer.map(async (t) => peerTarget(await resolveTarget(t, 'external'), host))));
    if (isIP(uri.host.replace(/^\[|\]$/g, '')) !== 0) {
      const target = await targetFromUri(uri, otherSide(flow.side));
      if (target) return forward([target]);
    }
    return reply(404, 'No route to that domain', 'D1 closed federation');
  }

  async #internalRoute(method: string, event: string | undefined): Promise<RouteDecision> {
    // I1: presence goes to the presence server, everything else to the registrar / home proxy.
    const presence = (method === 'SUBSCRIBE' || method === 'PUBLISH') && /^presence\b/i.test(event ?? '');
    const configured = presence ? this.#internal.presence : this.#internal.registrar;
    if (configured === 'builtin') return reply(480, 'No internal server is configured', 'I1');
    return forward(await Promise.all(configured.map((t) => resolveTarget(t, 'internal'))));
  }
}

/** RFC 5922 §4: over TLS the peer's certificate must cover the domain routed to, which is its SNI too. */
function peerTarget(target: RouteTarget, domain: string): RouteTarget {
  return target.protocol === 'tls' ? { ...target, servername: domain } : target;
}

function forward(targets: RouteTarget[]): RouteDecision {
  return { kind: 'forward', targets };
}

function reply(status: number, reason: string | undefined, because: string): RouteDecision {
  return reason === undefined ? { kind: 'reply', status, because } : { kind: 'reply', status, reason, because };
}

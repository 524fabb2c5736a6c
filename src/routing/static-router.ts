// Routing by configuration: the community's own domains go to its internal servers (or back to the
// community router when its built-in components serve them), configured peer domains to their static
// next hops, and a next hop named by address (a Route beyond the edge's own, an IP-literal
// Request-URI) to the side hop-side.ts finds. Every other domain is refused (closed federation until
// discovery is configured).

import type { EdgeConfig } from '../config/config-schema.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { formatUri, isSipUri, parseUri, type SipUri, type Uri } from '../sip/uri.js';
import type { Side } from '../transport/flow.js';
import { hopSide, isIpLiteral, isWithinDomain } from './hop-side.js';
import type {
  InnerRouteDecision,
  InnerRouter,
  RouteDecision,
  Routed,
  RouteRequest,
  RouteTarget,
} from './route-types.js';
import {
  literalAddress,
  literalTargets,
  resolveHost,
  resolveTarget,
  routingFailure,
  targetFromUri,
} from './resolve-target.js';
import { isDiscoveryError } from '../discovery/discovery-error.js';

type Targets = ReadonlyArray<{
  readonly host: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp' | 'tls';
}>;

export interface StaticRouterOptions {
  /**
   * D1: whether a peer domain may be reached (and is not denied); the domains with a static route by
   * default. Discovery widens it to its allow-list, or every domain in open federation.
   */
  readonly admits?: (domain: string) => RouteDecision | undefined;
}

const TLS_PORT = 5061;

type TargetFromUri = ReturnType<typeof targetFromUri>;

export class StaticRouter implements InnerRouter {
  readonly #domains: ReadonlySet<string>;
  readonly #peerRoutes: ReadonlyMap<string, Targets>;
  readonly #internal: EdgeConfig['internal'];
  readonly #admits: (domain: string) => RouteDecision | undefined;
  readonly #plaintextPeers: ReadonlySet<string>;
  /** D1 static routes whose next hops are all IP literals, decided once per configuration. */
  readonly #peerDecisions: ReadonlyMap<string, RouteDecision>;
  /** I1 the configured registrar / home proxy and presence server when all are IP literals. */
  readonly #registrarDecision: RouteDecision | undefined;
  readonly #presenceDecision: RouteDecision | undefined;

  constructor(config: Pick<EdgeConfig, 'domains' | 'routes' | 'internal'>, options: StaticRouterOptions = {}) {
    this.#domains = new Set(config.domains.map((d) => d.toLowerCase()));
    this.#peerRoutes = new Map(config.routes.map((r) => [r.domain.toLowerCase(), r.targets]));
    this.#internal = config.internal;
    this.#plaintextPeers = new Set(
      config.routes.filter((r) => r.plaintext === true).map((r) => r.domain.toLowerCase()),
    );
    this.#admits =
      options.admits ??
      ((domain) =>
        this.#peerRoutes.has(domain) ? undefined : reply(404, 'No route to that domain', 'D1 closed federation'));
    const peerDecisions = new Map<string, RouteDecision>();
    for (const [domain, targets] of this.#peerRoutes) {
      const resolved = literalTargets(targets, 'external');
      if (resolved !== undefined)
        peerDecisions.set(domain, Object.freeze(forward(resolved.map((t) => Object.freeze(peerTarget(t, domain))))));
    }
    this.#peerDecisions = peerDecisions;
    this.#registrarDecision = internalDecision(config.internal.registrar);
    this.#presenceDecision = internalDecision(config.internal.presence);
  }

  route(request: RouteRequest): Routed<InnerRouteDecision> {
    let decided: Routed<InnerRouteDecision>;
    try {
      decided = this.#route(request);
    } catch (error) {
      return routingFailureOf(error);
    }
    return decided instanceof Promise ? decided.catch(routingFailureOf) : decided;
  }

  #route({ request, flow, requestUri: uri, nextHop }: RouteRequest): Routed<InnerRouteDecision> {
    if (nextHop !== undefined) {
      // RFC 3261 §16.6 step 7: a remaining Route set names the next hop.
      const hop = parseUri(nextHop.uri);
      if (!isSipUri(hop)) return reply(416, 'Route to an unsupported URI scheme', 'RFC 3261 §16.6');
      return this.#addressHop(request, flow.side, uri, hop);
    }
    if (!isSipUri(uri)) return reply(416, undefined, 'RFC 3261 §16.3 step 2');
    const host = uri.host.toLowerCase();
    if (this.#domains.has(host)) return this.#internalRoute(request, uri);
    // The edge is no open relay: a peer may reach this community, not a third one through it (D1).
    if (flow.side === 'external' && !isIpLiteral(uri.host))
      return reply(403, 'Relaying Between Peers Refused', 'D1 relay between peers');
    const peer = this.#peerRoutes.get(host);
    // RFC 5922 §4: the peer's certificate must cover the domain reached, named as SNI (D1 static route).
    if (peer !== undefined) return this.#peerDecisions.get(host) ?? resolvePeer(peer, host);
    if (isIpLiteral(uri.host)) return this.#addressHop(request, flow.side, uri, uri);
    return reply(404, 'No route to that domain', 'D1 closed federation');
  }

  /**
   * A next hop named by a URI rather than found for a domain: the side follows from where the request
   * is for (B1). Towards a peer it goes only over TLS, to a host of that peer's domain or an
   * address, and the peer's certificate must prove the peer's domain (RFC 5922).
   */
  #addressHop(request: IncomingRequest, arrival: Side, requestUri: Uri, hop: SipUri): Routed<RouteDecision> {
    const side = hopSide(request, arrival, requestUri, this.#domains);
    if (side.side === 'none') return reply(404, 'No Peer Domain Named', 'D1 an address names no peer domain to check');
    if (side.side === 'internal') {
      const target = targetFromUri(hop, 'internal');
      return target instanceof Promise ? target.then(internalHop) : internalHop(target);
    }
    const { peer } = side;
    const refused = this.#admits(peer);
    if (refused !== undefined) return refused;
    if (!isIpLiteral(hop.host) && !isWithinDomain(hop.host, peer)) {
      return reply(403, 'Next Hop Outside The Peer Domain', 'D1 next hop outside the peer domain');
    }
    const transport = hop.params.get('transport')?.toLowerCase();
    if (
      hop.scheme !== 'sips' &&
      transport !== undefined &&
      transport !== 'tls' &&
      !this.#allowsPlaintext(peer, transport)
    ) {
      return reply(403, 'Peers Are Reached Over TLS Only', 'F2 a next hop to a peer without TLS');
    }
    const protocol = transport === 'tcp' || transport === 'udp' ? transport : 'tls';
    const port = hop.port ?? (protocol === 'tls' ? TLS_PORT : 5060);
    const toPeer = (address: string): RouteDecision =>
      forward([peerTarget({ protocol, address, port, side: 'external' }, peer)]);
    const address = literalAddress(hop.host);
    return address !== undefined ? toPeer(address) : resolveHost(hop.host).then(toPeer);
  }

  /** A peer whose static route opted in to cleartext (`routes[].plaintext`) and names this transport. */
  #allowsPlaintext(peer: string, transport: string): boolean {
    return (
      this.#plaintextPeers.has(peer) && this.#peerRoutes.get(peer)?.some((t) => t.transport === transport) === true
    );
  }

  #internalRoute(request: IncomingRequest, uri: Uri): Routed<InnerRouteDecision> {
    // I1: presence goes to the presence server, everything else to the registrar / home proxy.
    const method = request.method;
    const presence =
      (method === 'SUBSCRIBE' || method === 'PUBLISH') && /^presence\b/i.test(request.headers.get('event') ?? '');
    const configured = presence ? this.#internal.presence : this.#internal.registrar;
    if (configured === 'builtin')
      return { kind: 'community', requestUri: uri === request.requestUri ? request.requestUriText : formatUri(uri) };
    const decided = presence ? this.#presenceDecision : this.#registrarDecision;
    if (decided !== undefined) return decided;
    return Promise.all(configured.map((t) => resolveTarget(t, 'internal'))).then(forward);
  }
}

/** The internal servers as a decision made once, when they are all IP literals; shared, hence frozen. */
function internalDecision(configured: EdgeConfig['internal']['registrar']): RouteDecision | undefined {
  if (configured === 'builtin') return undefined;
  const resolved = literalTargets(configured, 'internal');
  return resolved === undefined ? undefined : Object.freeze(forward(resolved));
}

async function resolvePeer(targets: Targets, domain: string): Promise<RouteDecision> {
  return forward(await Promise.all(targets.map(async (t) => peerTarget(await resolveTarget(t, 'external'), domain))));
}

function internalHop(target: Awaited<TargetFromUri>): RouteDecision {
  return target === undefined ? reply(416, 'Route to an unsupported URI scheme', 'RFC 3261 §16.6') : forward([target]);
}

/** A host that does not resolve answers the request (404, or 503 when DNS failed); anything else is a bug. */
function routingFailureOf(error: unknown): RouteDecision {
  if (!isDiscoveryError(error)) throw error;
  return routingFailure(error);
}

/** RFC 5922 §4: over TLS the peer's certificate must cover the domain routed to, which is its SNI too. */
function peerTarget(target: RouteTarget, domain: string): RouteTarget {
  return target.protocol === 'tls' ? { ...target, servername: domain } : target;
}

function forward(targets: readonly RouteTarget[]): RouteDecision {
  return { kind: 'forward', targets };
}

function reply(status: number, reason: string | undefined, because: string): RouteDecision {
  return reason === undefined ? { kind: 'reply', status, because } : { kind: 'reply', status, reason, because };
}

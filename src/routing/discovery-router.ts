// Routing with discovery (D1-D6): the community's own domains, static routes, IP literals and Route
// sets as StaticRouter routes them; then tel:, enum:, im: and pres: Request-URIs turned into SIP
// URIs (ENUM, RFC 3861) and checked again against those; then, for a peer domain the federation
// mode admits, RFC 3263 targets from DNS. Static routes always win over DNS for their domain.

import { isIpLiteral } from './hop-side.js';
import type { EdgeConfig } from '../config/config-schema.js';
import type { Clock } from '../clock/clock.js';
import { createDiscovery, type Discovery } from '../discovery/create-discovery.js';
import type { SipDestination } from '../discovery/destination-resolver.js';
import { isDiscoveryError } from '../discovery/discovery-error.js';
import { e164FromUri } from '../discovery/e164-number.js';
import { enumservicesFor, type EnumService } from '../discovery/enum-services.js';
import type { LocatedTarget } from '../discovery/sip-locator.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { isEnumUri, isImPresUri, isSipUri, isTelUri, type SipUri } from '../sip/uri.js';
import type {
  InnerRouteDecision,
  InnerRouter,
  RouteDecision,
  Routed,
  RouteRequest,
  RouteTarget,
  TargetFailure,
} from './route-types.js';
import { StaticRouter } from './static-router.js';

export type DiscoveryRouterConfig = Pick<EdgeConfig, 'domains' | 'routes' | 'internal' | 'discovery'>;

export interface DiscoveryRouterOptions {
  readonly config: DiscoveryRouterConfig;
  /** The edge's clock: DNS TTLs, DNS timeouts and target back-off run on it. */
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Defaults to createDiscovery(config.discovery, { clock }); tests pass one with a fake transport. */
  readonly discovery?: Discovery;
}

export class DiscoveryRouter implements InnerRouter {
  readonly discovery: Discovery;
  readonly #static: StaticRouter;
  readonly #own: ReadonlySet<string>;
  readonly #routed: ReadonlySet<string>;
  readonly #allowed: ReadonlySet<string>;
  readonly #denied: ReadonlySet<string>;
  readonly #open: boolean;
  readonly #log: Logger;

  constructor(options: DiscoveryRouterOptions) {
    const { config } = options;
    this.discovery = options.discovery ?? createDiscovery(config.discovery, { clock: options.clock });
    this.#own = new Set(config.domains.map((d) => d.toLowerCase()));
    this.#routed = new Set(config.routes.map((r) => r.domain.toLowerCase()));
    this.#allowed = new Set(config.discovery.allow);
    this.#denied = new Set(config.discovery.deny);
    this.#open = config.discovery.federation === 'open';
    this.#static = new StaticRouter(config, { admits: (domain) => this.#refusal(domain) });
    this.#log = options.logger ?? silentLogger();
  }

  /**
   * D2: the proxy reports a target that failed (connect error, transport error, timeout, 503) so
   * that later lists put it last for discovery.failureBackoffMs, or a 503's Retry-After if longer.
   */
  reportFailure(target: RouteTarget, failure?: TargetFailure): void {
    if (target.side === 'external') this.discovery.backoff.reportFailure(target, failure);
  }

  route(request: RouteRequest): Routed<InnerRouteDecision> {
    const uri = request.requestUri;
    if (request.nextHop !== undefined) return this.#static.route(request);
    if (isSipUri(uri)) return this.#routeSip(request, uri);
    return this.#guarded(request, this.#routeNonSip(request));
  }

  /** Own domains and static peers need no DNS: StaticRouter answers them, without a promise when it can. */
  #routeSip(request: RouteRequest, uri: SipUri): Routed<InnerRouteDecision> {
    const domain = uri.host.toLowerCase();
    if (this.#own.has(domain)) {
      const number = request.flow.side === 'internal' ? e164FromUriQuietly(uri) : undefined;
      return number === undefined
        ? this.#static.route(request)
        : this.#guarded(request, this.#routeOwnNumber(request, number));
    }
    if (this.#isStatic(domain)) return this.#static.route(request);
    return this.#guarded(request, this.#discover(request, { uri, requestUri: undefined, domain }));
  }

  async #routeNonSip(request: RouteRequest): Promise<InnerRouteDecision> {
    const uri = request.requestUri;
    if (isTelUri(uri) || isEnumUri(uri) || isImPresUri(uri)) {
      const destination = await this.discovery.destinations.toSip(uri, this.#wants(request));
      return this.#routeDestination(request, destination);
    }
    return this.#static.route(request);
  }

  /** A discovery failure answers the request (D2-D7) and is logged with its Call-ID. */
  async #guarded(request: RouteRequest, routing: Promise<InnerRouteDecision>): Promise<InnerRouteDecision> {
    try {
      return await routing;
    } catch (error) {
      if (!isDiscoveryError(error)) throw error;
      this.#log.info(
        {
          callId: request.request.callId,
          requestUri: request.request.requestUriText,
          code: error.code,
          err: error.message,
        },
        'discovery failed',
      );
      return { kind: 'reply', status: error.status, reason: error.reason, because: `D2-D7 ${error.code}` };
    }
  }

  /**
   * D4: a number in one of our own domains (sip:+…;user=phone from inside) may be hosted by a peer:
   * ENUM first, and when ENUM has nothing usable (or names a peer we may not reach), our own servers.
   */
  async #routeOwnNumber(request: RouteRequest, number: string): Promise<InnerRouteDecision> {
    let destination: SipDestination;
    try {
      destination = await this.discovery.destinations.numberToSip(number, this.#wants(request));
    } catch (error) {
      if (!isDiscoveryError(error)) throw error;
      return this.#static.route(request);
    }
    if (this.#isStatic(destination.domain) || this.#own.has(destination.domain) || this.#admits(destination.domain)) {
      return this.#routeDestination(request, destination);
    }
    return this.#static.route(request);
  }

  /** After a rewrite the new URI's domain is checked again: ours, static, or discovered. */
  async #routeDestination(request: RouteRequest, destination: SipDestination): Promise<InnerRouteDecision> {
    const { domain } = destination;
    if (this.#own.has(domain) || this.#isStatic(domain)) {
      const decision = await this.#static.route({ ...request, requestUri: destination.uri });
      return withRequestUri(decision, destination.requestUri);
    }
    return this.#discover(request, destination);
  }

  async #discover(request: RouteRequest, destination: SipDestination): Promise<RouteDecision> {
    const { domain } = destination;
    const refused = this.#refusal(domain);
    if (refused !== undefined) return refused;
    // The edge is no open relay: a peer may reach this community, not a third one through it.
    if (request.flow.side === 'external')
      return { kind: 'reply', status: 403, reason: 'Relaying Between Peers Refused', because: 'D1 discovered relay' };
    const targets = await this.discovery.destinations.locate(destination);
    return withRequestUri({ kind: 'forward', targets: targets.map(routeTarget) }, destination.requestUri);
  }

  /** D1: why a peer domain may not be reached (deny-list, closed federation), or undefined. */
  #refusal(domain: string): RouteDecision | undefined {
    if (this.#denied.has(domain))
      return { kind: 'reply', status: 403, reason: 'Peer Domain Denied', because: 'D1 deny-list' };
    if (!this.#isStatic(domain) && !this.#admits(domain))
      return { kind: 'reply', status: 404, reason: 'No route to that domain', because: 'D1 closed federation' };
    return undefined;
  }

  #admits(domain: string): boolean {
    return !this.#denied.has(domain) && (this.#open || this.#allowed.has(domain));
  }

  #isStatic(domain: string): boolean {
    return this.#routed.has(domain) || isIpLiteral(domain);
  }

  #wants(request: RouteRequest): EnumService[] {
    return enumservicesFor(request.request.method, request.request.headers.get('event'));
  }
}

function routeTarget(target: LocatedTarget): RouteTarget {
  const base = { protocol: target.protocol, address: target.address, port: target.port, side: 'external' as const };
  // RFC 5922 §4: the certificate must cover the domain the request is for, sent as SNI.
  return target.protocol === 'tls' ? { ...base, servername: target.servername } : base;
}

function withRequestUri<D extends InnerRouteDecision>(decision: D, requestUri: string | undefined): D {
  if (decision.kind === 'reply' || requestUri === undefined) return decision;
  return { ...decision, requestUri };
}

/** A malformed number in a user=phone URI is simply not a number to look up. */
function e164FromUriQuietly(uri: SipUri): string | undefined {
  try {
    return e164FromUri(uri);
  } catch {
    return undefined;
  }
}

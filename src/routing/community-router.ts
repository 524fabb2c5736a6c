// Routing for this community's own requests (SPEC I1, I2, M2, M3), in front of static routing and
// discovery. The edge's own Route entries are already spent (route-set.ts). Read top to bottom:
//   a Route set names a next hop beyond the edge ───────────────► the inner router (in-dialog)
//   an address inside a dialog with one of our users ───────────► that user's binding, or 404 (I2)
//   not for an own domain or the edge's own address ────────────► the inner router (outbound, I3)
//   OPTIONS to the domain or the edge ─────────────────────────► 200 with Allow, Accept, Supported (M3)
//   an IM mode the community does not take ────────────────────► 488 + Warning + capabilities (M2)
//   SUBSCRIBE/PUBLISH for presence, presence builtin ──────────► the built-in presence server
//   REGISTER, registrar builtin ───────────────────────────────► the built-in registrar
//   anything else, registrar builtin ──────────────────────────► the user's contacts, or 404 / 480
//   configured internal servers ───────────────────────────────► the inner router (targets, failover)
// The inner router may also hand a request back as one for this community (a tel:, ENUM, im: or pres:
// target that resolved into one of our domains): it then takes the same path as a sip: URI would.
// The built-in components answer in process: no socket hop between the edge and its registrar.
import type { EdgeConfig } from '../config/config-schema.js';
import type { Community } from '../community/create-community.js';
import type { CommunityAnswer } from '../community/community-answer.js';
import type { RequestOrigin } from '../community/presence-origin.js';
import { addressOfRecord } from '../sip/address-of-record.js';
import { isSipUri, parseUri, type SipUri } from '../sip/uri.js';
import { hopSide, isIpLiteral } from './hop-side.js';
import { routingFailure, targetFromUri } from './resolve-target.js';
import { isDiscoveryError } from '../discovery/discovery-error.js';
import type { InnerRouter, RouteDecision, RouteRequest, Router, RouteTarget, TargetFailure } from './route-types.js';

export interface CommunityRouterOptions {
  readonly inner: InnerRouter;
  readonly config: Pick<EdgeConfig, 'domains' | 'internal'>;
  /** The built-in components; absent, every own request goes to the inner router. */
  readonly community?: Community;
  /** Whether a URI's host and port are one of the edge's listeners (a Contact it handed out). */
  readonly isOwnAddress: (uri: SipUri) => boolean;
}

const NO_INTERNAL_SERVER: RouteDecision = {
  kind: 'reply',
  status: 480,
  reason: 'No internal server is configured',
  because: 'I1',
};

export class CommunityRouter implements Router {
  readonly #options: CommunityRouterOptions;
  readonly #domains: ReadonlySet<string>;

  constructor(options: CommunityRouterOptions) {
    this.#options = options;
    this.#domains = new Set(options.config.domains.map((d) => d.toLowerCase()));
  }

  reportFailure(target: RouteTarget, failure?: TargetFailure): void {
    this.#options.inner.reportFailure?.(target, failure);
  }

  async route(routed: RouteRequest): Promise<RouteDecision> {
    const uri = routed.requestUri;
    const { community } = this.#options;
    const checksBindings = community !== undefined && this.#options.config.internal.registrar === 'builtin';
    if (routed.nextHop !== undefined) {
      const hop = parseUri(routed.nextHop.uri);
      const unbound = checksBindings && isSipUri(hop) ? await this.#unboundAddress(routed, hop, community) : undefined;
      return unbound ?? this.#inner(routed);
    }
    if (!isSipUri(uri)) return this.#inner(routed);
    const ownAddress = this.#options.isOwnAddress(uri);
    if (!ownAddress && !this.#domains.has(uri.host.toLowerCase())) {
      const unbound =
        checksBindings && isIpLiteral(uri.host) ? await this.#unboundAddress(routed, uri, community) : undefined;
      return unbound ?? this.#inner(routed);
    }
    return this.#own(routed, uri, ownAddress);
  }

  async #own(request: RouteRequest, uri: SipUri, ownAddress: boolean): Promise<RouteDecision> {
    const { community } = this.#options;
    const method = request.request.method;
    if (method === 'OPTIONS' && uri.user === undefined && community !== undefined)
      return decision(community.capabilities.options());
    const refused = community?.capabilities.refuseMode(request.request);
    if (refused !== undefined) return decision(refused);
    if (community === undefined || uri.params.get('user') === 'phone') return this.#inner(request);
    return this.#builtin(request, uri, community, ownAddress);
  }

  /** The inner router's decision; a target it hands back as ours takes the community's path (I2). */
  async #inner(request: RouteRequest): Promise<RouteDecision> {
    const decided = await this.#options.inner.route(request);
    if (decided.kind !== 'community') return decided;
    const { community } = this.#options;
    const uri = parseUri(decided.requestUri);
    if (community === undefined || !isSipUri(uri)) return NO_INTERNAL_SERVER;
    return this.#builtin({ ...request, requestUri: uri, nextHop: undefined }, uri, community, false);
  }

  /**
   * B1 and B3 inside the community: a next hop a request names by address (an IP-literal
   * Request-URI, a Route beyond the edge's own) goes out on the community's side only where the user
   * it is for is registered. With the built-in registrar the community has no other hosts, and anything
   * else would let a client aim the edge at any host. Undefined when it may go on (or is not for the
   * community: the inner router decides).
   */
  async #unboundAddress(request: RouteRequest, hop: SipUri, community: Community): Promise<RouteDecision | undefined> {
    if (hopSide(request.request, request.flow.side, request.requestUri, this.#domains).side !== 'internal')
      return undefined;
    const user = this.#communityUser(request);
    if (user !== undefined && (await community.registrar.isBoundAt(user, hop))) return undefined;
    return {
      kind: 'reply',
      status: 404,
      reason: 'Not A Registered Contact',
      because: 'I2 an address no binding of the user names',
    };
  }

  /** The user of this community a request is for: the To inside a dialog, else the Request-URI's (or the To's). */
  #communityUser(request: RouteRequest): string | undefined {
    const candidates =
      request.request.to.tag === undefined ? [request.requestUri, request.request.to.uri] : [request.request.to.uri];
    const ours = candidates.find((uri) => isSipUri(uri) && this.#domains.has(uri.host.toLowerCase()));
    return ours === undefined ? undefined : addressOfRecord(ours);
  }

  async #builtin(
    request: RouteRequest,
    uri: SipUri,
    community: Community,
    ownAddress: boolean,
  ): Promise<RouteDecision> {
    const { internal } = this.#options.config;
    const method = request.request.method;
    const origin = this.#origin(request, uri, ownAddress);
    if (isPresence(request)) {
      if (internal.presence === 'builtin' && community.presence !== undefined)
        return decision(await community.presence.handle(request.request, origin));
      return this.#inner(ownAddress ? { ...request, requestUri: parseUri(origin.target) } : request);
    }
    if (internal.registrar !== 'builtin')
      return this.#inner(ownAddress ? { ...request, requestUri: parseUri(origin.target) } : request);
    if (method === 'REGISTER') return decision(await community.registrar.register(request.request, request.flow.side));
    return decision(await community.registrar.locate(request.request, uri));
  }

  /** A Request-URI naming the edge's own address stands for the user in the first served domain. */
  #origin(request: RouteRequest, uri: SipUri, ownAddress: boolean): RequestOrigin {
    const target = ownAddress
      ? uri.user === undefined
        ? `sip:${this.#options.config.domains[0]!}`
        : `sip:${uri.user.toLowerCase()}@${this.#options.config.domains[0]!}`
      : addressOfRecord(uri);
    const from = request.request.from.uri;
    const peer =
      request.flow.peerIdentity?.[0] ?? (isSipUri(from) ? from.host.toLowerCase() : request.flow.remote.address);
    return { side: request.flow.side, protocol: request.flow.protocol, peer, target, source: request.flow.remote };
  }
}

/** I1: presence goes to the presence server; an in-dialog SUBSCRIBE too (its Request-URI is our Contact). */
function isPresence(request: RouteRequest): boolean {
  const method = request.request.method;
  return (
    (method === 'SUBSCRIBE' || method === 'PUBLISH') && /^presence\b/i.test(request.request.headers.get('event') ?? '')
  );
}

async function decision(answer: CommunityAnswer): Promise<RouteDecision> {
  if (answer.kind === 'answer') {
    const { kind: _kind, ...reply } = answer;
    return { kind: 'reply', ...reply };
  }
  // RFC 3261 §16.5: the Request-URI becomes the contact. The proxy tries targets in series with one
  // Request-URI, so the best binding (highest q, most recent) is the one tried; no parallel forking.
  const contact = answer.contacts[0]!;
  let target: RouteTarget | undefined;
  try {
    target = await targetFromUri(parseUri(contact), 'internal');
  } catch (error) {
    if (!isDiscoveryError(error)) throw error;
    return routingFailure(error);
  }
  if (target === undefined) return { kind: 'reply', status: 480, because: 'I2 no reachable contact' };
  return { kind: 'forward', targets: [target], requestUri: contact };
}

/** An inner router on its own, with no community router in front: a target of ours it hands back gets 480. */
export function withoutCommunity(inner: InnerRouter): Router {
  return {
    route: async (request) => {
      const decided = await inner.route(request);
      return decided.kind === 'community' ? NO_INTERNAL_SERVER : decided;
    },
    reportFailure: (target, failure) => inner.reportFailure?.(target, failure),
  };
}

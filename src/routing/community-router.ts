// Routing for this community's own requests (SPEC I1, I2, M2, M3), in front of static routing and
// discovery. Read top to bottom:
//   a Route set names a next hop other than the edge ───────────► the inner router (in-dialog)
//   not for an own domain or the edge's own address ────────────► the inner router (outbound, I3)
//   OPTIONS to the domain or the edge ─────────────────────────► 200 with Allow, Accept, Supported (M3)
//   an IM mode the community does not take ────────────────────► 488 + Warning + capabilities (M2)
//   SUBSCRIBE/PUBLISH for presence, presence builtin ──────────► the built-in presence server
//   REGISTER, registrar builtin ───────────────────────────────► the built-in registrar
//   anything else, registrar builtin ──────────────────────────► the user's contacts, or 404 / 480
//   configured internal servers ───────────────────────────────► the inner router (targets, failover)
// The built-in components answer in process: no socket hop between the edge and its registrar.
import type { EdgeConfig } from '../config/config-schema.js';
import type { Community } from '../community/create-community.js';
import type { CommunityAnswer } from '../community/community-answer.js';
import type { RequestOrigin } from '../community/presence-origin.js';
import { addressOfRecord } from '../policy/address-of-record.js';
import { isSipUri, parseUri, uriEquals, type SipUri } from '../sip/uri.js';
import { targetFromUri } from './resolve-target.js';
import type { RouteDecision, RouteRequest, Router, RouteTarget, TargetFailure } from './route-types.js';

export interface CommunityRouterOptions {
  readonly inner: Router;
  readonly config: Pick<EdgeConfig, 'domains' | 'internal'>;
  /** The built-in components; absent, every own request goes to the inner router. */
  readonly community?: Community;
  /** Whether a URI's host and port are one of the edge's listeners (a Contact it handed out). */
  readonly isOwnAddress: (uri: SipUri) => boolean;
}

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
    if (followsRoute(routed) || !isSipUri(uri)) return this.#options.inner.route(routed);
    const ownAddress = this.#options.isOwnAddress(uri);
    if (!ownAddress && !this.#domains.has(uri.host.toLowerCase())) return this.#options.inner.route(routed);
    // A preloaded Route that named only the edge (an outbound proxy setting, RFC 3261 §8.1.2) is
    // spent: route on the Request-URI like any request for this community.
    const request = { ...routed, nextHop: undefined };
    const { community } = this.#options;
    const method = request.request.method;
    if (method === 'OPTIONS' && uri.user === undefined && community !== undefined) return decision(community.capabilities.options());
    const refused = community?.capabilities.refuseMode(request.request);
    if (refused !== undefined) return decision(refused);
    if (community === undefined || uri.params.get('user') === 'phone') return this.#options.inner.route(request);
    return this.#builtin(request, uri, community, ownAddress);
  }

  async #builtin(request: RouteRequest, uri: SipUri, community: Community, ownAddress: boolean): Promise<RouteDecision> {
    const { internal } = this.#options.config;
    const method = request.request.method;
    const origin = this.#origin(request, uri, ownAddress);
    if (isPresence(request)) {
      if (internal.presence === 'builtin' && community.presence !== undefined) return decision(await community.presence.handle(request.request, origin));
      return this.#options.inner.route(ownAddress ? { ...request, requestUri: parseUri(origin.target) } : request);
    }
    if (internal.registrar !== 'builtin') return this.#options.inner.route(ownAddress ? { ...request, requestUri: parseUri(origin.target) } : request);
    if (method === 'REGISTER') return decision(await community.registrar.register(request.request, request.flow.side));
    return decision(await community.registrar.locate(request.request));
  }

  /** A Request-URI naming the edge's own address stands for the user in the first served domain. */
  #origin(request: RouteRequest, uri: SipUri, ownAddress: boolean): RequestOrigin {
    const target = ownAddress ? (uri.user === undefined ? `sip:${this.#options.config.domains[0]!}` : `sip:${uri.user.toLowerCase()}@${this.#options.config.domains[0]!}`) : addressOfRecord(uri);
    const from = request.request.from.uri;
    const peer = request.flow.peerIdentity?.[0] ?? (isSipUri(from) ? from.host.toLowerCase() : request.flow.remote.address);
    return { side: request.flow.side, protocol: request.flow.protocol, peer, target };
  }
}

/** Whether a Route the edge did not write names the next hop (§16.4: the proxy left only its own entries otherwise). */
function followsRoute(request: RouteRequest): boolean {
  if (request.nextHop === undefined) return false;
  try {
    return !uriEquals(parseUri(request.nextHop.uri), request.requestUri);
  } catch {
    return true;
  }
}

/** I1: presence goes to the presence server; an in-dialog SUBSCRIBE too (its Request-URI is our Contact). */
function isPresence(request: RouteRequest): boolean {
  const method = request.request.method;
  return (method === 'SUBSCRIBE' || method === 'PUBLISH') && /^presence\b/i.test(request.request.headers.get('event') ?? '');
}

async function decision(answer: CommunityAnswer): Promise<RouteDecision> {
  if (answer.kind === 'answer') {
    const { kind: _kind, ...reply } = answer;
    return { kind: 'reply', ...reply };
  }
  // RFC 3261 §16.5: the Request-URI becomes the contact. The proxy tries targets in series with one
  // Request-URI, so the best binding (highest q, most recent) is the one tried; no parallel forking.
  const contact = answer.contacts[0]!;
  const target = await targetFromUri(parseUri(contact), 'internal');
  if (target === undefined) return { kind: 'reply', status: 480, because: 'I2 no reachable contact' };
  return { kind: 'forward', targets: [target], requestUri: contact };
}

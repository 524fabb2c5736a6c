// Routing for this community's own requests (SPEC I1, I2, M2, M3), in front of static routing and
// discovery. The edge's own Route entries are already spent (route-set.ts). Read top to bottom:
//   a Route set names a next hop beyond the edge ───────────────► the inner router (in-dialog)
//   an address inside a dialog with one of our users ───────────► that user's binding, or 404 (I2)
//   not for an own domain or the edge's own address ────────────► the inner router (outbound, I3)
//   OPTIONS to the domain or the edge ─────────────────────────► 200 with Allow, Accept, Supported (M3)
//   an IM mode the community does not take ────────────────────► 488 + Warning + capabilities (M2)
//   SUBSCRIBE/PUBLISH for presence, presence builtin ──────────► the built-in presence server
//   REGISTER, registrar builtin ───────────────────────────────► the built-in registrar
//   anything else, registrar builtin ──────────────────────────► the user's contacts (forked to all, I5), or 404 / 480
//   configured internal servers ───────────────────────────────► the inner router (targets, failover)
// The inner router may also hand a request back as one for this community (a tel:, ENUM, im: or pres:
// target that resolved into one of our domains): it then takes the same path as a sip: URI would.
// The built-in components answer in process: no socket hop between the edge and its registrar.
import type { EdgeConfig } from '../config/config-schema.js';
import type { Community } from '../community/create-community.js';
import type { CommunityAnswer } from '../community/community-answer.js';
import type { RegistrationFlow } from '../community/registration-flow.js';
import type { RequestOrigin } from '../community/presence-origin.js';
import { addressOfRecord } from '../sip/address-of-record.js';
import { isSipUri, parseUri, type SipUri } from '../sip/uri.js';
import { hopSide, isIpLiteral } from './hop-side.js';
import { routingFailure, targetFromUri } from './resolve-target.js';
import { isDiscoveryError } from '../discovery/discovery-error.js';
import type { ForkingConfig } from '../config/community-schema.js';
import { forkGroups, type WeightedBranch } from './fork-groups.js';
import type {
  InnerRouteDecision,
  InnerRouter,
  RouteDecision,
  Routed,
  RouteRequest,
  Router,
  RouteTarget,
  TargetFailure,
} from './route-types.js';

export interface CommunityRouterOptions {
  readonly inner: InnerRouter;
  readonly config: Pick<EdgeConfig, 'domains' | 'internal'>;
  /** The built-in components; absent, every own request goes to the inner router. */
  readonly community?: Community;
  /** Whether a URI's host and port are one of the edge's listeners (a Contact it handed out). */
  readonly isOwnAddress: (uri: SipUri) => boolean;
  /** I5: how a request reaches a user's several bindings; absent: in parallel, at most 10. */
  readonly forking?: ForkingConfig;
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
  /** The registrar's answer as a decision, made once rather than a closure per request. */
  readonly #located: (answer: CommunityAnswer) => Routed<RouteDecision>;

  constructor(options: CommunityRouterOptions) {
    this.#options = options;
    this.#domains = new Set(options.config.domains.map((d) => d.toLowerCase()));
    this.#located = (answer) => decision(answer, options.forking);
  }

  reportFailure(target: RouteTarget, failure?: TargetFailure): void {
    this.#options.inner.reportFailure?.(target, failure);
  }

  route(routed: RouteRequest): Routed<RouteDecision> {
    const uri = routed.requestUri;
    const { community } = this.#options;
    const checksBindings = community !== undefined && this.#options.config.internal.registrar === 'builtin';
    if (routed.nextHop !== undefined) {
      const hop = parseUri(routed.nextHop.uri);
      return checksBindings && isSipUri(hop) ? this.#boundAddress(routed, hop, community) : this.#inner(routed);
    }
    if (!isSipUri(uri)) return this.#inner(routed);
    const ownAddress = this.#options.isOwnAddress(uri);
    if (!ownAddress && !this.#domains.has(uri.host.toLowerCase())) {
      return checksBindings && isIpLiteral(uri.host) ? this.#boundAddress(routed, uri, community) : this.#inner(routed);
    }
    return this.#own(routed, uri, ownAddress);
  }

  #own(request: RouteRequest, uri: SipUri, ownAddress: boolean): Routed<RouteDecision> {
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
  #inner(request: RouteRequest): Routed<RouteDecision> {
    const decided = this.#options.inner.route(request);
    return decided instanceof Promise
      ? decided.then((inner) => this.#fromInner(request, inner))
      : this.#fromInner(request, decided);
  }

  #fromInner(request: RouteRequest, decided: InnerRouteDecision): Routed<RouteDecision> {
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
   * else would let a client aim the edge at any host. A request not for the community goes to the
   * inner router, which decides.
   */
  #boundAddress(request: RouteRequest, hop: SipUri, community: Community): Routed<RouteDecision> {
    if (hopSide(request.request, request.flow.side, request.requestUri, this.#domains).side !== 'internal')
      return this.#inner(request);
    return this.#boundContact(request, hop, community);
  }

  async #boundContact(request: RouteRequest, hop: SipUri, community: Community): Promise<RouteDecision> {
    const user = this.#communityUser(request);
    if (user !== undefined && (await community.registrar.isBoundAt(user, hop))) return this.#inner(request);
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

  #builtin(request: RouteRequest, uri: SipUri, community: Community, ownAddress: boolean): Routed<RouteDecision> {
    const { internal } = this.#options.config;
    const method = request.request.method;
    if (isPresence(request)) {
      if (internal.presence === 'builtin' && community.presence !== undefined)
        return community.presence.handle(request.request, this.#origin(request, uri, ownAddress)).then(decision);
      return this.#inner(ownAddress ? this.#forUser(request, uri) : request);
    }
    if (internal.registrar !== 'builtin') return this.#inner(ownAddress ? this.#forUser(request, uri) : request);
    if (method === 'REGISTER')
      return community.registrar.register(request.request, request.flow.side, request.flow).then(decision);
    return community.registrar.locate(request.request, uri).then(this.#located);
  }

  /** A request to the edge's own address, routed as one for the user it stands for. */
  #forUser(request: RouteRequest, uri: SipUri): RouteRequest {
    return { ...request, requestUri: parseUri(this.#target(uri, true)) };
  }

  /** A Request-URI naming the edge's own address stands for the user in the first served domain. */
  #target(uri: SipUri, ownAddress: boolean): string {
    if (!ownAddress) return addressOfRecord(uri);
    const domain = this.#options.config.domains[0]!;
    return uri.user === undefined ? `sip:${domain}` : `sip:${uri.user.toLowerCase()}@${domain}`;
  }

  #origin(request: RouteRequest, uri: SipUri, ownAddress: boolean): RequestOrigin {
    const target = this.#target(uri, ownAddress);
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

function decision(answer: CommunityAnswer, forking: ForkingConfig = DEFAULT_FORKING): Routed<RouteDecision> {
  if (answer.kind === 'answer') {
    const { kind: _kind, ...reply } = answer;
    return { kind: 'reply', ...reply };
  }
  // RFC 3261 §16.5: the Request-URI becomes the contact. One contact takes the one-target path; several
  // fork, one branch each (SPEC I5, RFC 3261 §16.6), in q-value groups (fork-groups.ts).
  if (answer.contacts.length === 1) return oneContact(answer.contacts[0]!, answer.flows?.[0]);
  const contacts = answer.contacts.slice(0, forking.maxBranches);
  const reached = contacts.map((contact, i) => reachContact(contact, answer.flows?.[i]));
  if (!reached.some((r) => r instanceof Promise))
    return forkDecision(contacts, answer.qValues, reached as Reached[], forking);
  return Promise.all(reached).then((settled) => forkDecision(contacts, answer.qValues, settled, forking));
}

const DEFAULT_FORKING: ForkingConfig = { mode: 'parallel', maxBranches: 10 };

/**
 * RFC 3261 §16.5: where one contact is reached: its transport, address and port (a host name through
 * DNS); undefined for a contact the edge cannot send to. The one place a binding becomes a target.
 * I7: a binding registered over a connection that is the only way to its client (a browser's
 * WebSocket; its Contact host is a `.invalid` name) is reached over that connection.
 */
function contactTarget(contact: string, flow: RegistrationFlow | undefined): Routed<RouteTarget | undefined> {
  if (flow !== undefined) return { ...flow, side: 'internal' };
  return targetFromUri(parseUri(contact), 'internal');
}

function oneContact(contact: string, flow: RegistrationFlow | undefined): Routed<RouteDecision> {
  let target: Routed<RouteTarget | undefined>;
  try {
    target = contactTarget(contact, flow);
  } catch (error) {
    return routingFailureOf(error);
  }
  return target instanceof Promise
    ? target.then((found) => toContact(found, contact), routingFailureOf)
    : toContact(target, contact);
}

function toContact(target: RouteTarget | undefined, contact: string): RouteDecision {
  if (target === undefined) return { kind: 'reply', status: 480, because: 'I2 no reachable contact' };
  return { kind: 'forward', targets: [target], requestUri: contact };
}

/** A contact's target, or why it has none: a fork goes on without it. */
type Reached = RouteTarget | undefined | RouteDecision;

function reachContact(contact: string, flow: RegistrationFlow | undefined): Routed<Reached> {
  try {
    const target = contactTarget(contact, flow);
    return target instanceof Promise ? target.catch(routingFailureOf) : target;
  } catch (error) {
    return routingFailureOf(error);
  }
}

/** SPEC I5: a branch per contact that has a target; one left takes the one-target path, none answers. */
function forkDecision(
  contacts: readonly string[],
  qValues: readonly number[] | undefined,
  reached: readonly Reached[],
  forking: ForkingConfig,
): RouteDecision {
  const branches: WeightedBranch[] = [];
  let failure: RouteDecision | undefined;
  reached.forEach((target, i) => {
    if (target === undefined || 'kind' in target) failure ??= target;
    else branches.push({ branch: { targets: [target], requestUri: contacts[i]! }, q: qValues?.[i] ?? 1 });
  });
  if (branches.length === 0) return failure ?? { kind: 'reply', status: 480, because: 'I2 no reachable contact' };
  if (branches.length === 1) return { kind: 'forward', ...branches[0]!.branch };
  const groups = forkGroups(branches, forking.mode);
  return { kind: 'forward', ...groups[0]![0]!, fork: groups };
}

/** A contact that does not resolve answers the request (404, or 503 when DNS failed). */
function routingFailureOf(error: unknown): RouteDecision {
  if (!isDiscoveryError(error)) throw error;
  return routingFailure(error);
}

/** An inner router on its own, with no community router in front: a target of ours it hands back gets 480. */
export function withoutCommunity(inner: InnerRouter): Router {
  return {
    route: (request) => {
      const decided = inner.route(request);
      return decided instanceof Promise ? decided.then(outsideCommunity) : outsideCommunity(decided);
    },
    reportFailure: (target, failure) => inner.reportFailure?.(target, failure),
  };
}

function outsideCommunity(decided: InnerRouteDecision): RouteDecision {
  return decided.kind === 'community' ? NO_INTERNAL_SERVER : decided;
}

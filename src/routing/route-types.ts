// What routing decides for an admitted request: the ordered targets to try, or an answer at the edge.
// The proxy core asks; static routes (this file's neighbours), discovery and the community's own
// components answer.

import type { IncomingRequest } from '../sip/incoming-message.js';
import type { Uri } from '../sip/uri.js';
import type { Flow, Side, TransportProtocol } from '../transport/flow.js';

export interface RouteTarget {
  readonly protocol: TransportProtocol;
  /** An IP literal (IPv6 without brackets). */
  readonly address: string;
  readonly port: number;
  readonly side: Side;
  /** The domain a TLS server certificate must cover, sent as SNI (RFC 5922). */
  readonly servername?: string;
}

/** I5: one branch of a forked request: its own Request-URI (a contact) and the targets it fails over among (D2). */
export interface ForkBranch {
  readonly targets: readonly RouteTarget[];
  readonly requestUri: string;
}

/** I5: branches with the same q-value, tried at once (RFC 3261 §16.6: highest q first). */
export type ForkGroup = readonly ForkBranch[];

export type RouteDecision =
  | {
      readonly kind: 'forward';
      /** Tried in order: the next on transport error, timeout or 503 (RFC 3263 §4.3). */
      readonly targets: readonly RouteTarget[];
      /** A new Request-URI (RFC 3261 §16.5 target), or undefined to keep the received one. */
      readonly requestUri?: string;
      /**
       * I5 (RFC 3261 §16.6-16.7): set when the request forks to several contacts. Groups go in order, the
       * next only once every branch of the one before failed; the branches of a group go out in parallel.
       * `targets` and `requestUri` then name the first branch, for whoever looks at one target only.
       */
      readonly fork?: readonly ForkGroup[];
    }
  | {
      readonly kind: 'reply';
      readonly status: number;
      readonly reason?: string;
      readonly headers?: ReadonlyArray<readonly [string, string]>;
      /** The SPEC ID or RFC section behind the answer, for the log line and the metric. */
      readonly because: string;
      /** A built-in component answering as the UAS: the To tag of the dialog it creates, and a body. */
      readonly toTag?: string;
      readonly body?: Buffer;
      readonly contentType?: string;
      /** Runs once the answer is sent (the presence server's initial NOTIFY follows its 200). */
      readonly afterAnswer?: () => void;
    };

export interface RouteRequest {
  readonly request: IncomingRequest;
  /** The flow the request arrived on. */
  readonly flow: Flow;
  /** The Request-URI after RFC 3261 §16.4 preprocessing (a strict-routing hop undone). */
  readonly requestUri: Uri;
  /**
   * Where the request goes next when it carries a Route set after the edge's own entries were
   * removed (RFC 3261 §16.6 step 6). The side it leaves on follows from where it is for (hop-side.ts).
   */
  readonly nextHop: { readonly uri: string } | undefined;
}

/** How a target failed, when the proxy knows more than "it failed". */
export interface TargetFailure {
  /** From a 503's Retry-After (RFC 3261 §21.5.4): avoid the target at least this long. */
  readonly retryAfterMs?: number;
}

/**
 * The target is in a served domain whose requests the community's own components take: route it as
 * a request for this community with this Request-URI (e.g. an ENUM, tel:, im: or pres: target that
 * resolved into one of our domains). Only the routers behind the community router answer this.
 */
export interface CommunityTarget {
  readonly kind: 'community';
  readonly requestUri: string;
}

/** What static routing and discovery decide, before the community router takes its own targets. */
export type InnerRouteDecision = RouteDecision | CommunityTarget;

/**
 * A decision that needs no I/O (an IP-literal target, a configured internal server) comes back as is;
 * one that waits on DNS or the store comes as a promise. Callers await only a promise: on the relay's
 * hot path a promise per router in the chain is garbage the edge pays for with GC time.
 */
export type Routed<D> = D | Promise<D>;

export interface InnerRouter {
  route(request: RouteRequest): Routed<InnerRouteDecision>;
  reportFailure?(target: RouteTarget, failure?: TargetFailure): void;
}

export interface Router {
  route(request: RouteRequest): Routed<RouteDecision>;
  /**
   * D2: a target of a forward decision failed (connect error, transport error, timeout, 503).
   * Routers that discover targets avoid it for a back-off period; static routers need not care.
   */
  reportFailure?(target: RouteTarget, failure?: TargetFailure): void;
}

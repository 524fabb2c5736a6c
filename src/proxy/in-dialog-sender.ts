// The edge's own requests inside a subscription dialog (P9, X3): the SubscriptionActions port of the
// policy layer, over the transaction layer. The route set is the part of the dialog's Record-Route
// on the recipient's side of the edge's own entries (RFC 3261 §12.2.1.1 as seen from the middle of
// the path): after them for the watcher (the UAS's route set order), before them and reversed for the
// notifier (the UAC's order). A strict router at the top gets the remote target appended.

import type { Logger } from '../observability/logger.js';
import type { InDialogRequest, SubscriptionActions } from '../policy/subscriptions/subscription-actions.js';
import { targetFromUri } from '../routing/resolve-target.js';
import type { RouteTarget } from '../routing/route-types.js';
import { createRequest } from '../sip/create-request.js';
import { newBranch } from '../sip/identifiers.js';
import { parseNameAddr, type NameAddr } from '../sip/name-addr.js';
import { isSipUri, parseUri } from '../sip/uri.js';
import { hostPort, type LocalAddresses } from './local-addresses.js';
import type { ClientTransactionStarter, FlowConnector } from './proxy-deps.js';
import { viaListener } from './record-route.js';

export interface InDialogSenderDeps {
  readonly transactions: ClientTransactionStarter;
  readonly flows: FlowConnector;
  readonly local: LocalAddresses;
  readonly log: Logger;
}

export interface InDialogPath {
  readonly requestUri: string;
  /** Route values, topmost first. */
  readonly routes: readonly string[];
}

export class InDialogSender implements SubscriptionActions {
  readonly #deps: InDialogSenderDeps;

  constructor(deps: InDialogSenderDeps) {
    this.#deps = deps;
  }

  async send(request: InDialogRequest): Promise<number> {
    try {
      return await this.#send(request);
    } catch (error) {
      this.#deps.log.warn(
        { callId: request.callId, method: request.method, err: String(error) },
        'in-dialog request not sent',
      );
      return 503;
    }
  }

  async #send(request: InDialogRequest): Promise<number> {
    const path = inDialogPath(request, this.#deps.local);
    const target = await firstHop(path, request);
    const flow = await this.#deps.flows.connect(target);
    const branch = newBranch();
    const listener = viaListener(target, flow, this.#deps.local);
    const message = createRequest({
      method: request.method,
      requestUri: path.requestUri,
      from: request.from,
      to: request.to,
      callId: request.callId,
      cseq: request.cseq,
      via: `SIP/2.0/${target.protocol.toUpperCase()} ${hostPort(listener)};branch=${branch};rport`,
      headers: [...path.routes.map((route): [string, string] => ['Route', route]), ...request.headers],
      localHost: listener.address,
      ...(request.body === undefined
        ? {}
        : { body: request.body, ...(request.contentType === undefined ? {} : { contentType: request.contentType }) }),
    });
    return new Promise((resolve) => {
      this.#deps.transactions.sendRequest({
        request: message,
        branch,
        flow,
        method: request.method,
        handlers: {
          onResponse: (response) => (response.status >= 200 ? resolve(response.status) : undefined),
          onTimeout: () => resolve(408),
          onTransportError: () => resolve(503),
        },
      });
    });
  }
}

/** The Request-URI and Route set for a request from the edge to one end of the dialog. */
export function inDialogPath(request: InDialogRequest, local: LocalAddresses): InDialogPath {
  const entries = request.recordRoute.map((value) => parseNameAddr(value, 'Record-Route'));
  const own = entries.map((entry) => isSipUri(entry.uri) && local.isOwnUri(entry.uri) !== undefined);
  const first = own.indexOf(true);
  const last = own.lastIndexOf(true);
  // Without entries of its own the edge is an end of the dialog (the built-in presence server): the
  // whole Record-Route is the route set, in the UAS's order towards the watcher (§12.1.1).
  const routes =
    first < 0
      ? request.recipient === 'watcher'
        ? [...request.recordRoute]
        : [...request.recordRoute].reverse()
      : request.recipient === 'watcher'
        ? request.recordRoute.slice(last + 1)
        : request.recordRoute.slice(0, first).reverse();
  const top = routes[0] === undefined ? undefined : parseNameAddr(routes[0], 'Route');
  if (top === undefined || isLooseRouter(top)) return { requestUri: request.requestUri, routes };
  // RFC 3261 §12.2.1.1: a strict router takes the Request-URI; the remote target goes last.
  return { requestUri: top.uriText, routes: [...routes.slice(1), `<${request.requestUri}>`] };
}

function isLooseRouter(route: NameAddr): boolean {
  return isSipUri(route.uri) && route.uri.params.has('lr');
}

async function firstHop(path: InDialogPath, request: InDialogRequest): Promise<RouteTarget> {
  if (request.destination !== undefined) return { ...request.destination, side: request.side };
  const next = path.routes[0] === undefined ? path.requestUri : parseNameAddr(path.routes[0], 'Route').uriText;
  const target = await targetFromUri(parseUri(next), request.side);
  if (target === undefined) throw new Error(`no route to ${next}`);
  // RFC 5922 §4: over TLS to a peer, its domain is the server name.
  return request.side === 'external' && target.protocol === 'tls' ? { ...target, servername: request.peer } : target;
}

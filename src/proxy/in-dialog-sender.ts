// The edge's own requests inside a subscription dialog (P9, X3, and the built-in presence server's
// NOTIFYs): the SubscriptionActions port of the policy layer, over the transaction layer. The route
// set is the part of the dialog's Record-Route on the recipient's side of the edge's own entries (RFC
// 3261 §12.2.1.1 as seen from the middle of the path): after them for the watcher (the UAS's route
// set order), before them and reversed for the notifier (the UAC's order). A strict router at the top
// gets the remote target appended. Towards a peer, the presence server's requests meet the outbound
// chain first (P8, `crossingBorder`), and with topology hiding (I4) Contacts are sealed and a Call-ID
// the community wrote is mapped.
import type { Logger } from '../observability/logger.js';
import type { InDialogRequest, SubscriptionActions } from '../policy/subscriptions/subscription-actions.js';
import { targetFromUri } from '../routing/resolve-target.js';
import type { RouteTarget } from '../routing/route-types.js';
import { createRequest } from '../sip/create-request.js';
import { newBranch } from '../sip/identifiers.js';
import { parseNameAddr, type NameAddr } from '../sip/name-addr.js';
import { isSipUri, parseUri } from '../sip/uri.js';
import { hostPort, type BoundListener, type LocalAddresses } from './local-addresses.js';
import { applyEdits } from './forward-request.js';
import type { TopologyHiding } from './topology-hiding.js';
import type { BorderPolicy } from '../policy/border-policy.js';
import type { HeaderEdit } from '../policy/rule.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import type { ClientTransactionStarter, FlowConnector } from './proxy-deps.js';
import { viaListener } from './record-route.js';

export interface InDialogSenderDeps {
  readonly transactions: ClientTransactionStarter;
  readonly flows: FlowConnector;
  readonly local: LocalAddresses;
  readonly log: Logger;
  /** P8: the border policy in force (it changes on reload); the presence server's NOTIFYs to peers meet its outbound chain. */
  readonly policy?: () => BorderPolicy | undefined;
  /** I4: hide the community's hosts from peers; absent, nothing is hidden. */
  readonly topology?: TopologyHiding;
}

export interface InDialogPath {
  readonly requestUri: string;
  /** Route values, topmost first. */
  readonly routes: readonly string[];
}

export class InDialogSender implements SubscriptionActions {
  readonly #deps: InDialogSenderDeps;
  /**
   * P8: the requests of the built-in presence server, which originates them like a presence server
   * inside the community would: towards a peer they meet the outbound chain first, as a relayed NOTIFY
   * does (an unchanged NOTIFY at most once per interval; changes and terminations always pass).
   */
  readonly crossingBorder: SubscriptionActions = { send: (request) => this.#sendChecked(request) };

  constructor(deps: InDialogSenderDeps) {
    this.#deps = deps;
  }

  /** The edge's own decisions in a dialog (P9 revalidation, X3 removal): sent as they are. */
  async send(request: InDialogRequest, edits: readonly HeaderEdit[] = []): Promise<number> {
    try {
      return await this.#send(request, edits);
    } catch (error) {
      this.#deps.log.warn(
        { callId: request.callId, method: request.method, err: String(error) },
        'in-dialog request not sent',
      );
      return 503;
    }
  }

  async #sendChecked(request: InDialogRequest): Promise<number> {
    const policy = this.#deps.policy?.();
    if (request.side !== 'external' || policy?.checksRequests(request.method, 'outbound') !== true)
      return this.send(request);
    const crossing = { direction: 'outbound', peer: request.peer } as const;
    let outcome;
    try {
      outcome = await policy.checkRequest(
        asIncoming(buildRequest(request, inDialogPath(request, this.#deps.local))),
        crossing,
      );
    } catch (error) {
      // O7: as a relayed request would be, it is not sent while the rules cannot decide.
      this.#deps.log.warn(
        { callId: request.callId, method: request.method, err: String(error) },
        'in-dialog request not sent: outbound chain failed',
      );
      return 503;
    }
    const { verdict } = outcome;
    if (verdict.kind !== 'reply' && verdict.kind !== 'absorb') return this.send(request, outcome.edits);
    // The policy logged and counted its decision; this line says what became of the request.
    this.#deps.log.info(
      {
        callId: request.callId,
        method: request.method,
        peer: request.peer,
        status: verdict.status,
        spec: outcome.decidedBy?.id,
        rule: outcome.decidedBy?.name,
      },
      'in-dialog request answered by the outbound chain, not sent',
    );
    return verdict.status;
  }

  async #send(request: InDialogRequest, edits: readonly HeaderEdit[]): Promise<number> {
    const path = inDialogPath(request, this.#deps.local);
    const target = await firstHop(path, request);
    const flow = await this.#deps.flows.connect(target);
    const branch = newBranch();
    const listener = viaListener(target, flow, this.#deps.local);
    const message = buildRequest(request, path, {
      via: `SIP/2.0/${target.protocol.toUpperCase()} ${hostPort(listener)};branch=${branch};rport`,
      localHost: listener.address,
    });
    applyEdits(message, edits);
    if (request.side === 'external') this.#hide(message, request, listener);
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

  /**
   * I4 towards a peer: Contacts sealed, and the Call-ID mapped when the community wrote it. The
   * stored dialog keeps the Call-ID its watcher wrote, so it is the community's when the watcher is
   * inside, which is when the edge speaks to the (external) notifier.
   */
  #hide(message: OutgoingMessage, request: InDialogRequest, listener: BoundListener): void {
    const topology = this.#deps.topology;
    if (topology === undefined) return;
    topology.sealContacts(message, listener);
    if (request.recipient === 'notifier') message.set('Call-ID', topology.crossCallId(request.callId));
  }
}

/** The request as sent; `sending` absent, with a stand-in Via for the rules, which never read it. */
function buildRequest(
  request: InDialogRequest,
  path: InDialogPath,
  sending: { readonly via: string; readonly localHost: string } = {
    via: 'SIP/2.0/TLS edge.invalid;branch=z9hG4bK-outbound-chain',
    localHost: 'edge.invalid',
  },
): OutgoingMessage {
  return createRequest({
    method: request.method,
    requestUri: path.requestUri,
    from: request.from,
    to: request.to,
    callId: request.callId,
    cseq: request.cseq,
    via: sending.via,
    headers: [...path.routes.map((route): [string, string] => ['Route', route]), ...request.headers],
    localHost: sending.localHost,
    ...(request.body === undefined
      ? {}
      : { body: request.body, ...(request.contentType === undefined ? {} : { contentType: request.contentType }) }),
  });
}

/** The request as the policy rules read one (they take what arrived, RFC 3261 §16.4). */
function asIncoming(message: OutgoingMessage): IncomingRequest {
  const frame = parseDatagram(message.toBuffer(), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message' || frame.message.kind !== 'request')
    throw new Error('the edge wrote an in-dialog request it cannot parse');
  return frame.message;
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

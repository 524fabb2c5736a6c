// The built-in registrar (RFC 3261 §10.3, SPEC I2): REGISTER from this community's side with digest
// authentication against the user directory, bindings with expiry and Min-Expires, Y2 tombstones,
// and the location lookup that sends requests for a user to its contacts (or 480 when it has none).
// With RFC 5626 outbound (SPEC I6) a binding records the flow it came on, keyed by instance and
// reg-id, and requests for it go over that flow; one whose flow has closed is dropped (430 when no
// other binding is left).
import type { CommunityConfig } from '../config/community-schema.js';
import { addressOfRecord, parseAddress } from '../sip/address-of-record.js';
import { isTombstoned, tombstone } from '../state/tombstones.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { isSipUri, parseUri, type SipUri, type Uri } from '../sip/uri.js';
import type { StateStore } from '../state/state-store.js';
import type { Logger } from '../observability/logger.js';
import type { OutboundMetrics } from '../observability/outbound-metrics.js';
import type { Flow, Side } from '../transport/flow.js';
import { answer, warningHeader, type CommunityAnswer, type LocalAnswer } from './community-answer.js';
import type { DigestAuthenticator } from './digest-authenticator.js';
import type { Binding, BindingFlow, LocationService } from './location-service.js';
import { holdKey, type OutboundFlows } from './outbound-flows.js';
import {
  contactOf,
  outboundHeaders,
  outboundVerdict,
  sameFlowOfInstance,
  withoutOutbound,
} from './outbound-registration.js';
import { readRegistration, type RequestedBinding } from './registration-request.js';
import { FlowIndex, flowKey } from './flow-index.js';
import { registrationFlow, type RegistrationArrival, type RegistrationFlow } from './registration-flow.js';
import type { UserDirectory } from './user-directory.js';

/**
 * Told when a user is removed (X3): the subscription supervisor tells external watchers and
 * tombstones the address; the presence server ends its own subscriptions. Declared here, where it is used.
 */
export interface UserRemovalListener {
  removeUser(address: string): Promise<unknown>;
}

export interface RegistrarOptions {
  readonly config: CommunityConfig['registrar'];
  readonly directory: UserDirectory;
  readonly location: LocationService;
  readonly authenticator: DigestAuthenticator;
  readonly store: StateStore;
  readonly tombstoneSeconds: number;
  readonly now: () => number;
  /** SPEC I6: RFC 5626 outbound; absent (no transport, e.g. the `users` command), bindings are plain. */
  readonly outbound?: RegistrarOutbound;
}

export interface RegistrarOutbound {
  readonly flows: OutboundFlows;
  /** RFC 5626 §4.4.1 Flow-Timer in the 200. */
  readonly flowTimerSeconds: number;
  readonly metrics: OutboundMetrics;
  readonly log: Logger;
}

export class Registrar {
  readonly #options: RegistrarOptions;
  readonly #removalListeners: UserRemovalListener[] = [];
  /** SPEC I7: the addresses with bindings reached over each connection. */
  readonly #flowBindings = new FlowIndex();

  constructor(options: RegistrarOptions) {
    this.#options = options;
  }

  onUserRemoved(listener: UserRemovalListener): void {
    this.#removalListeners.push(listener);
  }

  /**
   * `arrival`: the flow the REGISTER came on, which an outbound binding records (SPEC I6), and which
   * reaches a client that can be reached nowhere else (a browser on a WebSocket, SPEC I7).
   */
  async register(request: IncomingRequest, side: Side, arrival?: Flow): Promise<LocalAnswer> {
    // Peers have their own registrars: a REGISTER from across the border binds nothing here.
    if (side === 'external')
      return answer(403, 'I1 REGISTER from a peer', { headers: [warningHeader('register with your own community')] });
    const address = addressOfRecord(request.to.uri);
    if (await isTombstoned(this.#options.store, address))
      return answer(403, 'Y2 tombstoned address', { reason: 'Address Removed' });
    const user = await this.#options.directory.get(address);
    const auth = this.#options.authenticator.authenticate(request, user);
    if (auth.kind === 'challenge')
      return answer(401, 'RFC 3261 §22.4 challenge', { headers: this.#options.authenticator.challenge(auth.stale) });
    if (auth.kind === 'forbidden')
      return answer(403, 'RFC 3261 §22.4 credentials refused', { headers: [warningHeader(auth.why)] });
    return this.#applyChange(request, address, arrival);
  }

  async #applyChange(request: IncomingRequest, address: string, arrival: Flow | undefined): Promise<LocalAnswer> {
    const config = this.#options.config;
    const change = readRegistration(request, config.defaultExpiresSeconds);
    if (change.kind === 'invalid')
      return answer(400, 'RFC 3261 §10.3 step 6', { headers: [warningHeader(change.why)] });
    const location = this.#options.location;
    const before = await location.lookup(address);
    let outbound = false;
    if (change.kind === 'clear') await location.removeAll(address);
    if (change.kind === 'update') {
      const tooBrief = change.bindings.some((b) => b.expiresSeconds > 0 && b.expiresSeconds < config.minExpiresSeconds);
      // §10.3 step 7: 423 with the shortest interval the registrar accepts.
      if (tooBrief)
        return answer(423, 'RFC 3261 §10.3 Min-Expires', {
          headers: [['Min-Expires', String(config.minExpiresSeconds)]],
        });
      const verdict =
        this.#options.outbound === undefined || arrival === undefined
          ? ({ kind: 'plain' } as const)
          : outboundVerdict(request, change.bindings);
      if (verdict.kind === 'refused') return verdict.answer;
      outbound = verdict.kind === 'outbound';
      const flow = outbound ? this.#options.outbound!.flows.record(arrival!) : undefined;
      const requested = outbound ? change.bindings : withoutOutbound(change.bindings);
      const merged = this.#merge(before, requested, request, flow, arrival);
      if (merged.length > config.maxBindingsPerAddress)
        return answer(403, 'I2 too many bindings', {
          headers: [warningHeader(`at most ${config.maxBindingsPerAddress} contacts`)],
        });
      await location.save(address, merged);
      for (const binding of merged) if (binding.flow !== undefined) this.#flowBindings.note(binding.flow, address);
    }
    const now = this.#options.now();
    const current = await location.lookup(address);
    this.#holdFlows(address, before, current, request.callId);
    const contacts = current.map((b) => contactOf(b, now));
    const headers = outbound ? [...contacts, ...outboundHeaders(this.#options.outbound!.flowTimerSeconds)] : contacts;
    return answer(200, outbound ? 'I6 RFC 5626 §6 outbound binding' : 'RFC 3261 §10.3 step 8', { headers });
  }

  /**
   * §10.3 step 7: a contact already bound is updated (or removed with expires 0), a new one added.
   * RFC 5626 §6: an instance's reg-id names one binding, whatever its URI: a new REGISTER for it
   * (a reconnect from another port) replaces the old binding and its flow.
   */
  #merge(
    existing: readonly Binding[],
    requested: readonly RequestedBinding[],
    request: IncomingRequest,
    flow: BindingFlow | undefined,
    arrival: RegistrationArrival | undefined,
  ): Binding[] {
    const now = this.#options.now();
    const max = this.#options.config.maxExpiresSeconds;
    const byUri = new Map(existing.map((b) => [b.uri, b]));
    for (const wanted of requested) {
      for (const [uri, binding] of byUri) if (sameFlowOfInstance(binding, wanted)) byUri.delete(uri);
      if (wanted.expiresSeconds === 0) {
        byUri.delete(wanted.uri);
        continue;
      }
      const seconds = Math.min(wanted.expiresSeconds, max);
      const outbound = wanted.outbound === undefined || flow === undefined ? undefined : { ...wanted.outbound, flow };
      const connection = outbound === undefined ? registrationFlow(wanted.uri, arrival) : undefined;
      byUri.set(wanted.uri, {
        uri: wanted.uri,
        q: wanted.q,
        expiresAt: now + seconds * 1000,
        callId: request.callId,
        cseq: request.cseq.seq,
        ...(outbound === undefined ? {} : { outbound }),
        ...(connection === undefined ? {} : { flow: connection }),
      });
    }
    return [...byUri.values()];
  }

  /** SPEC I6: each outbound binding holds its flow until it expires; a replaced or removed one lets go. */
  #holdFlows(address: string, before: readonly Binding[], after: readonly Binding[], callId: string): void {
    const outbound = this.#options.outbound;
    if (outbound === undefined) return;
    const now = this.#options.now();
    const kept = new Map<string, Binding>();
    for (const binding of after) {
      if (binding.outbound === undefined) continue;
      const key = holdKey(address, binding.outbound);
      kept.set(key, binding);
      if (binding.outbound.flow.edge === outbound.flows.edge)
        outbound.flows.hold(key, binding.outbound.flow, binding.expiresAt - now);
    }
    for (const binding of before) {
      if (binding.outbound === undefined) continue;
      const key = holdKey(address, binding.outbound);
      const next = kept.get(key);
      if (
        next?.outbound?.flow.id === binding.outbound.flow.id &&
        next.outbound.flow.edge === binding.outbound.flow.edge
      )
        continue;
      if (next === undefined) outbound.flows.release(key);
      const event = next === undefined ? 'removed' : 'replaced';
      outbound.metrics.bindings.inc({ event });
      outbound.log.info(
        { callId, address, instance: binding.outbound.instance, event },
        `I6 outbound binding ${event}`,
      );
    }
    for (const [key, binding] of kept) {
      if (before.some((b) => b.outbound !== undefined && holdKey(address, b.outbound) === key)) continue;
      outbound.metrics.bindings.inc({ event: 'made' });
      outbound.log.info(
        { callId, address, instance: binding.outbound!.instance, flow: binding.outbound!.flow.id },
        'I6 outbound binding made',
      );
    }
  }

  /**
   * Where a request for a user of this community goes (RFC 3261 §16.5): its contacts; 404 for an
   * address nobody holds, 480 Temporarily Unavailable for a user with no binding (I2).
   */
  async locate(request: IncomingRequest, target: Uri = request.requestUri): Promise<CommunityAnswer> {
    const address = addressOfRecord(target);
    const bound = await this.#options.location.lookup(address);
    const bindings = await this.#usable(address, bound, request.callId);
    if (bindings.length > 0) {
      // I6, I7: an outbound binding names its flow, a browser's the connection it is reached over.
      const reached = bindings.map((b) => b.outbound?.flow ?? b.flow);
      return {
        kind: 'forward',
        contacts: bindings.map((b) => b.uri),
        // I5: the q-values order the fork's groups; one contact needs none.
        ...(bindings.length > 1 ? { qValues: bindings.map((b) => b.q) } : {}),
        ...(reached.some((flow) => flow !== undefined) ? { flows: reached } : {}),
      };
    }
    // RFC 5626 §5.3, §11.6: the user is registered, but only over flows that no longer exist here.
    if (bound.length > 0) return answer(430, 'I6 flow failed');
    if ((await this.#options.directory.get(address)) === undefined) return answer(404, 'I2 no such user');
    return answer(480, 'I2 no binding');
  }

  /**
   * SPEC I6: the bindings a request may go to. One whose flow this process held and has closed is
   * dropped (RFC 5626 §7: the flow will not come back; the client registers a new one); one made by
   * another process (or before a restart) is skipped but kept: it may be live there, and expires anyway.
   */
  async #usable(address: string, bindings: Binding[], callId: string): Promise<Binding[]> {
    const outbound = this.#options.outbound;
    if (!bindings.some((b) => b.outbound !== undefined)) return bindings;
    const usable: Binding[] = [];
    const closed: Binding[] = [];
    for (const binding of bindings) {
      const state =
        binding.outbound === undefined ? 'open' : (outbound?.flows.stateOf(binding.outbound.flow) ?? 'elsewhere');
      if (state === 'open') usable.push(binding);
      else if (state === 'closed') closed.push(binding);
    }
    if (closed.length === 0 || outbound === undefined) return usable;
    await this.#options.location.save(
      address,
      bindings.filter((b) => !closed.includes(b)),
    );
    for (const binding of closed) {
      outbound.flows.release(holdKey(address, binding.outbound!));
      outbound.metrics.bindings.inc({ event: 'flow-closed' });
      outbound.log.info(
        { callId, address, instance: binding.outbound!.instance, flow: binding.outbound!.flow.id },
        'I6 outbound binding dropped: its flow closed',
      );
    }
    return usable;
  }

  /**
   * Whether one of the user's live bindings is a contact at this host and port (default ports as the
   * URI's transport gives them): the address a request inside a dialog with the user may go to.
   */
  async isBoundAt(address: string, target: SipUri): Promise<boolean> {
    const bindings = await this.#options.location.lookup(address);
    const wanted = hostPortOf(target);
    return bindings.some((binding) => {
      const contact = parseUri(binding.uri);
      return isSipUri(contact) && hostPortOf(contact) === wanted;
    });
  }

  /**
   * SPEC I7: the connection a client registered over has closed, and nothing can reach its bindings
   * any more: they end now. Answers the addresses that lost one.
   */
  async flowClosed(flow: RegistrationFlow): Promise<string[]> {
    const location = this.#options.location;
    const ended: string[] = [];
    const gone = flowKey(flow);
    for (const address of this.#flowBindings.take(flow)) {
      const bindings = await location.lookup(address);
      const kept = bindings.filter((b) => b.flow === undefined || flowKey(b.flow) !== gone);
      if (kept.length === bindings.length) continue;
      await location.save(address, kept);
      ended.push(address);
    }
    return ended;
  }

  /** Y2, X3: remove the user, its bindings, and tell whoever listens (they tombstone and notify). */
  async removeUser(address: string): Promise<boolean> {
    const aor = parseAddress(address);
    const existed = await this.#options.directory.remove(aor);
    await this.#options.location.removeAll(aor);
    await tombstone(this.#options.store, aor, { tombstoneSeconds: this.#options.tombstoneSeconds }, this.#options.now);
    for (const listener of this.#removalListeners) await listener.removeUser(aor);
    return existed;
  }
}

function hostPortOf(uri: SipUri): string {
  const host = (uri.host.startsWith('[') ? uri.host.slice(1, -1) : uri.host).toLowerCase();
  const tls = uri.scheme === 'sips' || uri.params.get('transport')?.toLowerCase() === 'tls';
  return `${host} ${uri.port ?? (tls ? 5061 : 5060)}`;
}

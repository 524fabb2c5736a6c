// The built-in registrar (RFC 3261 §10.3, SPEC I2): REGISTER from this community's side with digest
// authentication against the user directory, bindings with expiry and Min-Expires, Y2 tombstones,
// and the location lookup that sends requests for a user to its contacts (or 480 when it has none).
import type { CommunityConfig } from '../config/community-schema.js';
import { addressOfRecord, parseAddress } from '../sip/address-of-record.js';
import { isTombstoned, tombstone } from '../state/tombstones.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { isSipUri, parseUri, type SipUri, type Uri } from '../sip/uri.js';
import type { StateStore } from '../state/state-store.js';
import type { Side } from '../transport/flow.js';
import { answer, warningHeader, type CommunityAnswer, type LocalAnswer } from './community-answer.js';
import type { DigestAuthenticator } from './digest-authenticator.js';
import type { Binding, LocationService } from './location-service.js';
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

  /** `arrival`: the flow the REGISTER came over, recorded for a client that can only be reached there (I7). */
  async register(request: IncomingRequest, side: Side, arrival?: RegistrationArrival): Promise<LocalAnswer> {
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

  async #applyChange(
    request: IncomingRequest,
    address: string,
    arrival: RegistrationArrival | undefined,
  ): Promise<LocalAnswer> {
    const config = this.#options.config;
    const change = readRegistration(request, config.defaultExpiresSeconds);
    if (change.kind === 'invalid')
      return answer(400, 'RFC 3261 §10.3 step 6', { headers: [warningHeader(change.why)] });
    const location = this.#options.location;
    if (change.kind === 'clear') await location.removeAll(address);
    if (change.kind === 'update') {
      const tooBrief = change.bindings.some((b) => b.expiresSeconds > 0 && b.expiresSeconds < config.minExpiresSeconds);
      // §10.3 step 7: 423 with the shortest interval the registrar accepts.
      if (tooBrief)
        return answer(423, 'RFC 3261 §10.3 Min-Expires', {
          headers: [['Min-Expires', String(config.minExpiresSeconds)]],
        });
      const merged = this.#merge(await location.lookup(address), change.bindings, request, arrival);
      if (merged.length > config.maxBindingsPerAddress)
        return answer(403, 'I2 too many bindings', {
          headers: [warningHeader(`at most ${config.maxBindingsPerAddress} contacts`)],
        });
      await location.save(address, merged);
      for (const binding of merged) if (binding.flow !== undefined) this.#flowBindings.note(binding.flow, address);
    }
    const now = this.#options.now();
    const current = await location.lookup(address);
    const contacts = current.map((b): [string, string] => [
      'Contact',
      `<${b.uri}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`,
    ]);
    return answer(200, 'RFC 3261 §10.3 step 8', { headers: contacts });
  }

  /** §10.3 step 7: a contact already bound is updated (or removed with expires 0), a new one added. */
  #merge(
    existing: readonly Binding[],
    requested: readonly RequestedBinding[],
    request: IncomingRequest,
    arrival: RegistrationArrival | undefined,
  ): Binding[] {
    const now = this.#options.now();
    const max = this.#options.config.maxExpiresSeconds;
    const byUri = new Map(existing.map((b) => [b.uri, b]));
    for (const wanted of requested) {
      if (wanted.expiresSeconds === 0) {
        byUri.delete(wanted.uri);
        continue;
      }
      const seconds = Math.min(wanted.expiresSeconds, max);
      const flow = registrationFlow(wanted.uri, arrival);
      byUri.set(wanted.uri, {
        uri: wanted.uri,
        q: wanted.q,
        expiresAt: now + seconds * 1000,
        callId: request.callId,
        cseq: request.cseq.seq,
        ...(flow === undefined ? {} : { flow }),
      });
    }
    return [...byUri.values()];
  }

  /**
   * Where a request for a user of this community goes (RFC 3261 §16.5): its contacts; 404 for an
   * address nobody holds, 480 Temporarily Unavailable for a user with no binding (I2).
   */
  async locate(request: IncomingRequest, target: Uri = request.requestUri): Promise<CommunityAnswer> {
    const address = addressOfRecord(target);
    const bindings = await this.#options.location.lookup(address);
    if (bindings.length > 0) {
      // I7: a browser's binding names the connection it is reached over.
      const flows = bindings.some((b) => b.flow !== undefined) ? { flows: bindings.map((b) => b.flow) } : {};
      const contacts = bindings.map((b) => b.uri);
      if (bindings.length === 1) return { kind: 'forward', contacts, ...flows };
      return { kind: 'forward', contacts, qValues: bindings.map((b) => b.q), ...flows };
    }
    if ((await this.#options.directory.get(address)) === undefined) return answer(404, 'I2 no such user');
    return answer(480, 'I2 no binding');
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

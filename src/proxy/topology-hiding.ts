// SPEC I4, optional topology hiding: the community's hosts do not leave the border. On a message
// going out only the edge's own top Via and its own external-facing Record-Route entry cross; the
// Vias below, the Record-Route entries the community's proxies added and the edge's own entry facing
// the community are left off, and every Contact becomes an edge URI holding the original sealed
// (AES-256-GCM, so a peer learns nothing from it). The internal-facing entry (with the flow token that
// says where the client is, flow-token.ts) travels sealed in the user part of the external-facing one,
// so a peer's requests later in the dialog still go back where the dialog came from. The Call-ID is
// mapped statelessly (call-id-mapping.ts). On the way back the Vias, the hidden entries and the
// Call-ID are restored from the request the server transaction keeps, and a request to a sealed
// Contact is sent to the original. Every message hidden or restored is counted
// (simple_edge_topology_hidden_total); a new Call-ID mapping gets a log line naming both values.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { parseContact } from '../sip/contact.js';
import { splitHeaderList } from '../sip/header-list.js';
import { parseNameAddr } from '../sip/name-addr.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import { isSipUri, parseUri, type SipUri } from '../sip/uri.js';
import type { StateStore } from '../state/state-store.js';
import type { Side } from '../transport/flow.js';
import { CallIdMapping } from './call-id-mapping.js';
import { readFlowToken, type RecordedFlow } from './flow-token.js';
import { hostPort, type BoundListener, type LocalAddresses } from './local-addresses.js';
import type { RoutePlan } from './route-set.js';

/** The user part of a sealed Contact or Record-Route entry starts with this. */
const SEALED_PREFIX = 'th-';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_RECORD = 'edge:topology-key';

/** What hiding did to one message, for the metric: which way it went and what it is. */
export interface TopologyObserver {
  hidden(event: { readonly message: 'request' | 'response'; readonly direction: 'out' | 'in' }): void;
}

export interface TopologyHidingOptions {
  /** 32 bytes every instance of the edge shares (so any of them can unseal). */
  readonly key: Buffer;
  readonly local: LocalAddresses;
  readonly observer?: TopologyObserver;
  readonly log?: Logger;
}

export class TopologyHiding {
  readonly #key: Buffer;
  readonly #local: LocalAddresses;
  readonly #callIds: CallIdMapping;
  readonly #observer: TopologyObserver | undefined;
  readonly #log: Logger | undefined;

  constructor(options: TopologyHidingOptions) {
    this.#key = options.key;
    this.#local = options.local;
    this.#callIds = new CallIdMapping(options.key);
    this.#observer = options.observer;
    this.#log = options.log;
  }

  /** The key every instance sharing the store (O7) uses, made on first use. */
  static async sharedKey(store: StateStore): Promise<Buffer> {
    const existing = await store.get<string>(KEY_RECORD);
    if (existing !== undefined) return Buffer.from(existing, 'hex');
    const key = randomBytes(32);
    await store.set(KEY_RECORD, key.toString('hex'));
    return key;
  }

  /** The Call-ID the dialog's originator wrote (what the subscription tracker keys a dialog by). */
  originalCallId(callId: string): string {
    return this.#callIds.original(callId);
  }

  /** The Call-ID a message crossing the border carries on the far side. */
  crossCallId(callId: string): string {
    return this.#callIds.cross(callId);
  }

  /**
   * A request leaving the community: only the edge's own Via (the top one) and its external-facing
   * Record-Route entry stay, the Call-ID is mapped and Contacts are sealed. `ownRecordRoutes`: how many
   * entries at the top the edge added for this request (record-route.ts), the external-facing first.
   */
  hideRequest(out: OutgoingMessage, ownRecordRoutes: number, listener: BoundListener): void {
    const [ownVia] = out.getAll('via');
    const own = out
      .getAll('record-route')
      .flatMap((line) => splitHeaderList(line, []))
      .slice(0, ownRecordRoutes);
    out.remove('Via').remove('Record-Route');
    if (own[0] !== undefined) out.prepend('Record-Route', this.#carrying(own[0], own.slice(1)));
    if (ownVia !== undefined) out.prepend('Via', ownVia);
    this.#mapCallId(out, 'out');
    this.sealContacts(out, listener);
    this.#observer?.hidden({ message: 'request', direction: 'out' });
  }

  /** A request entering the community from a peer: its Call-ID as the community knows it. */
  revealRequest(out: OutgoingMessage): void {
    this.#mapCallId(out, 'in');
    this.#observer?.hidden({ message: 'request', direction: 'in' });
  }

  /**
   * The response to a hidden request, going back inside: its Vias and Call-ID, the edge's own
   * internal-facing entry after the external-facing one, and the hidden entries below the rest.
   */
  restoreResponse(out: OutgoingMessage, request: IncomingRequest): void {
    const vias = request.headers.values('via');
    out.remove('Via');
    for (let i = vias.length - 1; i >= 0; i--) out.prepend('Via', i === 0 ? request.stampedTopVia : vias[i]!);
    out.set('Call-ID', request.headers.get('call-id')!);
    this.#observer?.hidden({ message: 'response', direction: 'in' });
    const entries = out.getAll('record-route').flatMap((line) => splitHeaderList(line, []));
    if (entries.length === 0) return;
    out.remove('Record-Route');
    for (const value of entries) {
      out.append('Record-Route', value);
      for (const inner of this.#carried(value)) out.append('Record-Route', inner);
    }
    for (const value of request.headers.values('record-route')) out.append('Record-Route', value);
  }

  /**
   * A response going out to a peer: only Record-Route entries from the edge's own external-facing one
   * on (the peer's side) stay; the Call-ID is the peer's own again, Contacts are sealed.
   */
  hideResponse(out: OutgoingMessage, callId: string | undefined, listener: BoundListener): void {
    const entries = out.getAll('record-route').flatMap((line) => splitHeaderList(line, []));
    const firstExternal = entries.findIndex((value) => this.#ownListener(value)?.side === 'external');
    if (entries.length > 0) {
      out.remove('Record-Route');
      for (const value of firstExternal < 0 ? [] : entries.slice(firstExternal)) out.append('Record-Route', value);
    }
    if (callId !== undefined) out.set('Call-ID', callId);
    this.sealContacts(out, listener);
    this.#observer?.hidden({ message: 'response', direction: 'out' });
  }

  /**
   * A response no transaction claims (a retransmitted 2xx, RFC 3261 §16.7 step 10) crossing from
   * `from` to the other side, as its first copy did: Call-ID mapped, and going out, hops hidden.
   */
  crossStray(out: OutgoingMessage, callId: string, from: Side, transport: string): void {
    const crossed = this.#callIds.cross(callId);
    const name = transport.toLowerCase();
    const protocol = name === 'udp' || name === 'tcp' ? name : 'tls';
    const listener = from === 'internal' ? this.#local.listenerFor('external', protocol, 4) : undefined;
    if (listener !== undefined) this.hideResponse(out, crossed, listener);
    else out.set('Call-ID', crossed);
  }

  sealContacts(out: OutgoingMessage, listener: BoundListener): void {
    const values = out.getAll('contact');
    if (values.length === 0) return;
    out.remove('Contact');
    for (const value of values) out.append('Contact', this.#sealContactValue(value, listener));
  }

  /**
   * I4 on a request from a peer inside a dialog: the original behind a sealed Request-URI (a Contact
   * the edge handed out), and the flow recorded in the internal-facing entry a sealed Route carries.
   */
  unsealPlan(plan: RoutePlan, request: IncomingRequest): RoutePlan {
    const original = this.unseal(plan.requestUri);
    const recordedFlow = plan.recordedFlow ?? this.#carriedFlow(request, plan);
    if (original === undefined && recordedFlow === plan.recordedFlow) return plan;
    return {
      ...plan,
      ...(original === undefined ? {} : { requestUri: original }),
      ...(recordedFlow === undefined ? {} : { recordedFlow }),
    };
  }

  /** The original URI behind a sealed Request-URI, or undefined when it is not one of ours. */
  unseal(requestUri: string): string | undefined {
    let uri;
    try {
      uri = parseUri(requestUri);
    } catch {
      return undefined;
    }
    return isSipUri(uri) ? this.#opened(uri) : undefined;
  }

  #mapCallId(out: OutgoingMessage, direction: 'out' | 'in'): void {
    const callId = out.get('call-id');
    if (callId === undefined) return;
    const crossed = this.#callIds.cross(callId);
    out.set('Call-ID', crossed);
    const internal = direction === 'out' ? callId : crossed;
    const external = direction === 'out' ? crossed : callId;
    // One info line per new dialog or transaction (no To tag yet) pairs the two values for an operator.
    const fields = { callId: internal, peerCallId: external, spec: 'I4', direction };
    if (/;\s*tag\s*=/i.test(out.get('to') ?? '')) this.#log?.debug(fields, 'Call-ID mapped at the border');
    else this.#log?.info(fields, 'Call-ID mapped at the border');
  }

  /** The external-facing entry (record-route.ts writes it without a user part) with the internal-facing ones sealed into one. */
  #carrying(external: string, internal: readonly string[]): string {
    if (internal.length === 0 || !external.startsWith('<sip:')) return external;
    return `<sip:${SEALED_PREFIX}${this.#sealText(internal.join(','))}@${external.slice('<sip:'.length)}`;
  }

  /** The internal-facing entries an own sealed Record-Route or Route value carries; none for any other. */
  #carried(value: string): string[] {
    try {
      const uri = parseNameAddr(value, 'Record-Route').uri;
      const text = isSipUri(uri) ? this.#opened(uri) : undefined;
      return text === undefined ? [] : splitHeaderList(text, []);
    } catch {
      return [];
    }
  }

  /** The flow token in the internal-facing entry carried by one of the request's own Route values. */
  #carriedFlow(request: IncomingRequest, plan: RoutePlan): RecordedFlow | undefined {
    if (plan.ownRoutes === 0) return undefined;
    for (const value of request.headers.values('route').slice(0, plan.ownRoutes)) {
      for (const inner of this.#carried(value)) {
        try {
          const uri = parseNameAddr(inner, 'Route').uri;
          const flow = isSipUri(uri) && uri.user !== undefined ? readFlowToken(uri.user) : undefined;
          if (flow !== undefined) return flow;
        } catch {
          // an entry that does not parse names no flow
        }
      }
    }
    return undefined;
  }

  #opened(uri: SipUri): string | undefined {
    if (uri.user?.startsWith(SEALED_PREFIX) !== true || this.#local.isOwnUri(uri) === undefined) return undefined;
    return this.#openText(uri.user.slice(SEALED_PREFIX.length));
  }

  #sealText(text: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    return Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64url');
  }

  #openText(encoded: string): string | undefined {
    const sealed = Buffer.from(encoded, 'base64url');
    if (sealed.length <= IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  #seal(uri: string, listener: BoundListener): string {
    const transport = listener.protocol === 'udp' ? '' : `;transport=${listener.protocol}`;
    return `sip:${SEALED_PREFIX}${this.#sealText(uri)}@${hostPort(listener)}${transport}`;
  }

  #sealContactValue(value: string, listener: BoundListener): string {
    try {
      const contact = parseContact(value);
      if (contact.star) return value;
      let sealed = value;
      for (const entry of contact.values) {
        // The edge's own address (a built-in component's Contact, one already sealed) names nothing inside.
        if (this.#isOwnUriText(entry.uriText)) continue;
        const replacement = `<${this.#seal(entry.uriText, listener)}>`;
        sealed = sealed.replace(entry.bracketed ? `<${entry.uriText}>` : entry.uriText, replacement);
      }
      return sealed;
    } catch {
      return value; // a Contact the edge cannot read is relayed as received (Y4 validation answered the worst)
    }
  }

  #isOwnUriText(text: string): boolean {
    try {
      const uri = parseUri(text);
      return isSipUri(uri) && this.#local.isOwnUri(uri) !== undefined;
    } catch {
      return false;
    }
  }

  #ownListener(value: string): BoundListener | undefined {
    try {
      const uri = parseNameAddr(value, 'Record-Route').uri;
      return isSipUri(uri) ? this.#local.isOwnUri(uri) : undefined;
    } catch {
      return undefined;
    }
  }
}

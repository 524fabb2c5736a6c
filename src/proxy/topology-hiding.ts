// SPEC I4, optional topology hiding: the community's hosts do not leave the border. On a request
// going out, the Vias below the edge's own and the Record-Route entries the community's proxies
// added are left off, and every Contact becomes an edge URI holding the original sealed (AES-256-GCM,
// so a peer learns nothing from it); on the way back the Vias and entries are restored from the
// request the server transaction keeps, and a request to a sealed Contact is sent to the original.
// Responses to requests from peers get the same Contact and Record-Route treatment.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { parseContact } from '../sip/contact.js';
import { splitHeaderList } from '../sip/header-list.js';
import { parseNameAddr } from '../sip/name-addr.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import { isSipUri, parseUri } from '../sip/uri.js';
import type { StateStore } from '../state/state-store.js';
import { hostPort, type BoundListener, type LocalAddresses } from './local-addresses.js';

/** The user part of a sealed Contact starts with this. */
const SEALED_PREFIX = 'th-';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_RECORD = 'edge:topology-key';

export class TopologyHiding {
  readonly #key: Buffer;
  readonly #local: LocalAddresses;

  /** `key`: 32 bytes every instance of the edge shares (so any of them can unseal). */
  constructor(options: { key: Buffer; local: LocalAddresses }) {
    this.#key = options.key;
    this.#local = options.local;
  }

  /** The key every instance sharing the store (O7) uses, made on first use. */
  static async sharedKey(store: StateStore): Promise<Buffer> {
    const existing = await store.get<string>(KEY_RECORD);
    if (existing !== undefined) return Buffer.from(existing, 'hex');
    const key = randomBytes(32);
    await store.set(KEY_RECORD, key.toString('hex'));
    return key;
  }

  /** A request leaving the community: only the edge's own Via (the top one) and Record-Route entries stay. */
  hideRequest(out: OutgoingMessage, ownRecordRoutes: number, listener: BoundListener): void {
    const [ownVia] = out.getAll('via');
    const own = out.getAll('record-route').slice(0, ownRecordRoutes);
    out.remove('Via').remove('Record-Route');
    for (let i = own.length - 1; i >= 0; i--) out.prepend('Record-Route', own[i]!);
    if (ownVia !== undefined) out.prepend('Via', ownVia);
    this.sealContacts(out, listener);
  }

  /** The response to a hidden request, going back inside: its Vias, and the hidden Record-Route entries below the rest. */
  restoreResponse(out: OutgoingMessage, request: IncomingRequest): void {
    const vias = request.headers.values('via');
    out.remove('Via');
    for (let i = vias.length - 1; i >= 0; i--) out.prepend('Via', i === 0 ? request.stampedTopVia : vias[i]!);
    if (out.getAll('record-route').length === 0) return;
    for (const value of request.headers.values('record-route')) out.append('Record-Route', value);
  }

  /** A response going out to a peer: the entries above the edge's own (the community's side) go, Contacts are sealed. */
  hideResponse(out: OutgoingMessage, listener: BoundListener): void {
    const entries = out.getAll('record-route').flatMap((line) => splitHeaderList(line, []));
    const firstOwn = entries.findIndex((value) => this.#isOwn(value));
    if (firstOwn > 0) {
      out.remove('Record-Route');
      for (const value of entries.slice(firstOwn)) out.append('Record-Route', value);
    }
    this.sealContacts(out, listener);
  }

  sealContacts(out: OutgoingMessage, listener: BoundListener): void {
    const values = out.getAll('contact');
    if (values.length === 0) return;
    out.remove('Contact');
    for (const value of values) out.append('Contact', this.#sealContactValue(value, listener));
  }

  /** The original URI behind a sealed Request-URI, or undefined when it is not one of ours. */
  unseal(requestUri: string): string | undefined {
    let uri;
    try {
      uri = parseUri(requestUri);
    } catch {
      return undefined;
    }
    if (!isSipUri(uri) || uri.user?.startsWith(SEALED_PREFIX) !== true || this.#local.isOwnUri(uri) === undefined)
      return undefined;
    const sealed = Buffer.from(uri.user.slice(SEALED_PREFIX.length), 'base64url');
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
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const sealed = Buffer.concat([iv, cipher.update(uri, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString(
      'base64url',
    );
    const transport = listener.protocol === 'udp' ? '' : `;transport=${listener.protocol}`;
    return `sip:${SEALED_PREFIX}${sealed}@${hostPort(listener)}${transport}`;
  }

  #sealContactValue(value: string, listener: BoundListener): string {
    try {
      const contact = parseContact(value);
      if (contact.star) return value;
      let sealed = value;
      for (const entry of contact.values) {
        const replacement = `<${this.#seal(entry.uriText, listener)}>`;
        sealed = sealed.replace(entry.bracketed ? `<${entry.uriText}>` : entry.uriText, replacement);
      }
      return sealed;
    } catch {
      return value; // a Contact the edge cannot read is relayed as received (Y4 validation answered the worst)
    }
  }

  #isOwn(value: string): boolean {
    try {
      const uri = parseNameAddr(value, 'Record-Route').uri;
      return isSipUri(uri) && this.#local.isOwnUri(uri) !== undefined;
    } catch {
      return false;
    }
  }
}

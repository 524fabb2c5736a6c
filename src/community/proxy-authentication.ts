// I2 and X2 on the community's own side (RFC 3261 §22.3): a request of a method `community.authenticate`
// names, arriving from the internal side outside a dialog, must prove with Proxy-Authorization that its
// sender is a user of the directory, and that user must be the one its From names. The digest check is
// the registrar's (DigestAuthenticator in the proxy role: same realm, algorithms and nonces).
//
// What crosses the border afterwards follows from it: the edge consumes its own credentials; an
// authenticated request keeps the trust level (X2) and a P-Asserted-Identity naming its user; any other
// request from the internal side may assert neither, so both are removed.

import { addressOfRecord, isOutOfDialog, parseAddress } from '../sip/address-of-record.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { parseNameAddr } from '../sip/name-addr.js';
import { parseUri, uriEquals } from '../sip/uri.js';
import type { HeaderEdit } from '../policy/rule.js';
import type { DigestAuthenticator } from './digest-authenticator.js';
import type { DigestCredentials } from './digest-credentials.js';
import type { UserDirectory, UserRecord } from './user-directory.js';

export type ChallengeReason = 'no-credentials' | 'stale-nonce' | 'bad-nonce';
export type RefusalReason = 'wrong-credentials' | 'uri-mismatch' | 'identity-mismatch';

export type ProxyAuthenticationOutcome =
  /** Not asked to authenticate (a method not listed, inside a dialog): may assert nothing. */
  | { readonly kind: 'exempt'; readonly edits: readonly HeaderEdit[] }
  /** The From's own user proved its password: the edge's credentials go, the rest goes on. */
  | { readonly kind: 'accepted'; readonly user: string; readonly edits: readonly HeaderEdit[] }
  /** 407 with these Proxy-Authenticate headers. */
  | {
      readonly kind: 'challenged';
      readonly reason: ChallengeReason;
      readonly headers: ReadonlyArray<readonly [string, string]>;
    }
  /** 403: wrong password, or right password for another user than the From's. */
  | { readonly kind: 'refused'; readonly reason: RefusalReason; readonly warning: string };

export interface ProxyAuthenticationOptions {
  /** `community.authenticate`: the methods challenged. */
  readonly methods: readonly string[];
  /** The registrar's authenticator in the proxy role. */
  readonly authenticator: DigestAuthenticator;
  readonly directory: UserDirectory;
  /** The served domains: where a digest username may have its address. */
  readonly domains: readonly string[];
  /** X2: `policy.trustHeader`. */
  readonly trustHeader: string;
}

const PROXY_AUTHORIZATION = 'Proxy-Authorization';
const ASSERTED_IDENTITY = 'P-Asserted-Identity';

export class ProxyAuthentication {
  readonly #options: ProxyAuthenticationOptions;
  readonly #methods: ReadonlySet<string>;
  /** What an unauthenticated request may not carry across: the same for every one, made once. */
  readonly #unauthenticated: readonly HeaderEdit[];

  constructor(options: ProxyAuthenticationOptions) {
    this.#options = options;
    this.#methods = new Set(options.methods);
    this.#unauthenticated = Object.freeze([
      { op: 'remove', name: options.trustHeader },
      { op: 'remove', name: ASSERTED_IDENTITY },
    ]);
  }

  /**
   * RFC 3261 §22.1, §12: ACK and CANCEL cannot be challenged, and requests inside a dialog the edge can
   * vouch for are not. A To tag alone vouches for nothing (anyone can write one): `provenDialog` says
   * whether the request also carries what only a real dialog through the edge has (the proxy decides
   * that: an own Route entry with this edge's flow token, or the built-in server's own Contact, which
   * checks the dialog itself). PUBLISH never belongs to a dialog (RFC 3903 §4): a To tag on one excuses
   * nothing.
   */
  requires(request: IncomingRequest, provenDialog: boolean): boolean {
    if (!this.#methods.has(request.method)) return false;
    return isOutOfDialog(request) || request.method === 'PUBLISH' || !provenDialog;
  }

  /** The request as it comes from the internal side, without asking the store when it is exempt. */
  exempt(): ProxyAuthenticationOutcome {
    return { kind: 'exempt', edits: this.#unauthenticated };
  }

  async check(request: IncomingRequest): Promise<ProxyAuthenticationOutcome> {
    const authenticator = this.#options.authenticator;
    const credentials = authenticator.credentialsOf(request);
    if (credentials === undefined) return this.#challenge('no-credentials', false);
    const sender = addressOfRecord(request.from.uri);
    const user = await this.#userOf(credentials, sender);
    const outcome = authenticator.authenticate(request, user);
    if (outcome.kind === 'challenge')
      return this.#challenge(outcome.stale ? 'stale-nonce' : 'bad-nonce', outcome.stale);
    if (outcome.kind === 'forbidden' || user === undefined)
      return { kind: 'refused', reason: 'wrong-credentials', warning: 'unknown user or wrong password' };
    // RFC 7616 §3.4.6: credentials overheard for one Request-URI are no pass for another.
    if (!namesRequestUri(credentials.uri, request))
      return { kind: 'refused', reason: 'uri-mismatch', warning: 'credentials are for another Request-URI' };
    if (user.address !== sender)
      return {
        kind: 'refused',
        reason: 'identity-mismatch',
        warning: `authenticated as ${user.address}, not the From`,
      };
    return { kind: 'accepted', user: user.address, edits: this.#consumed(request, user.address) };
  }

  #challenge(reason: ChallengeReason, stale: boolean): ProxyAuthenticationOutcome {
    return { kind: 'challenged', reason, headers: this.#options.authenticator.challenge(stale) };
  }

  /**
   * The user the digest username names: the From's own when the names agree, else the first served
   * domain that has a user of that name, so that alice writing bob's From is told apart from a wrong password.
   */
  async #userOf(credentials: DigestCredentials, sender: string): Promise<UserRecord | undefined> {
    const own = await this.#options.directory.get(sender);
    if (own !== undefined && own.username === credentials.username) return own;
    for (const domain of this.#options.domains) {
      const address = addressIn(credentials.username, domain);
      const user = address === undefined || address === sender ? undefined : await this.#options.directory.get(address);
      if (user !== undefined) return user;
    }
    return own;
  }

  /** RFC 3261 §22.3: our credentials go, another realm's stay; an identity other than the user's goes. */
  #consumed(request: IncomingRequest, user: string): HeaderEdit[] {
    const authenticator = this.#options.authenticator;
    const lines = request.headers.getAll(PROXY_AUTHORIZATION);
    const others = lines.filter((line) => !authenticator.isOwn(line));
    const edits: HeaderEdit[] = [{ op: 'remove', name: PROXY_AUTHORIZATION }];
    for (const line of others) edits.push({ op: 'append', name: PROXY_AUTHORIZATION, value: line });
    if (!request.headers.values(ASSERTED_IDENTITY).every((value) => assertsUser(value, user)))
      edits.push({ op: 'remove', name: ASSERTED_IDENTITY });
    return edits;
  }
}

function addressIn(username: string, domain: string): string | undefined {
  try {
    return parseAddress(`sip:${username}@${domain}`);
  } catch {
    return undefined; // a username no address can hold: nobody by that name
  }
}

function namesRequestUri(digestUri: string, request: IncomingRequest): boolean {
  if (digestUri === request.requestUriText) return true;
  try {
    return uriEquals(parseUri(digestUri), request.requestUri);
  } catch {
    return false;
  }
}

function assertsUser(value: string, user: string): boolean {
  try {
    return addressOfRecord(parseNameAddr(value, ASSERTED_IDENTITY).uri) === user;
  } catch {
    return false;
  }
}

// The two halves of discovery the router composes with its policy in between: first an identifier
// to the SIP URI a request is sent to (ENUM for numbers, enum: chains, im:/pres: to sip:), then that
// URI to ordered targets (RFC 3861 SRV for im:/pres:, RFC 3263 otherwise). The router checks the
// URI's domain (own, static, allowed, denied) before the second half asks DNS anything about it.

import {
  isImPresUri,
  isSipUri,
  isTelUri,
  isEnumUri,
  parseUri,
  type ImPresUri,
  type SipUri,
  type Uri,
} from '../sip/uri.js';
import { DiscoveryError } from './discovery-error.js';
import { e164FromUri } from './e164-number.js';
import type { EnumResolver, EnumResult } from './enum-resolver.js';
import type { EnumService } from './enum-services.js';
import type { PeerTransport } from './naptr-order.js';
import type { ResolutionTrace } from './resolution-trace.js';
import type { LocatedTarget, SipLocator } from './sip-locator.js';

export interface SipDestination {
  readonly uri: SipUri;
  /** The new Request-URI from ENUM or RFC 3861; undefined to keep the one asked about. */
  readonly requestUri: string | undefined;
  /** Lower case; the domain a TLS peer must prove (RFC 5922) and the allow-list is checked against. */
  readonly domain: string;
  /** RFC 3861 §4: the SRV name asked before RFC 3263, for im: and pres: URIs. */
  readonly srvName?: string;
  /** The ENUM rule behind it, when there was one. */
  readonly enumResult?: EnumResult;
}

export interface DestinationResolverOptions {
  readonly enumResolver: EnumResolver;
  readonly locator: SipLocator;
  /** The DNS cache's clock, for reusing an ENUM outcome until its answers expire. */
  readonly now: () => number;
  /** How many ENUM outcomes are kept; the oldest goes first. */
  readonly maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

export class DestinationResolver {
  readonly #options: DestinationResolverOptions;
  /** ENUM outcomes by enumservices and number: the rule, the URI parsed, the RFC 3861 rewrite. */
  readonly #numbers = new Map<string, SipDestination>();

  constructor(options: DestinationResolverOptions) {
    this.#options = options;
  }

  /** Forgets every kept ENUM outcome. */
  clear(): void {
    this.#numbers.clear();
  }

  /** Only numbers and enum: URIs need DNS here; sip: stays as it is, im:/pres: become sip:. */
  async toSip(uri: Uri, wants: readonly EnumService[], trace?: ResolutionTrace): Promise<SipDestination> {
    if (isSipUri(uri)) return sipDestination(uri, undefined);
    if (isImPresUri(uri)) return imPresDestination(uri, trace);
    if (isTelUri(uri) || isEnumUri(uri)) {
      const number = e164FromUri(uri);
      if (number === undefined)
        throw new DiscoveryError(
          'NOT_E164',
          `${isTelUri(uri) ? `tel:${uri.number}` : 'the URI'} is a local number; ENUM needs a global one (RFC 3966 §5.1.4)`,
        );
      return this.numberToSip(number, wants, trace);
    }
    throw new DiscoveryError('ENUM_RESULT_UNROUTABLE', `a ${uri.scheme}: URI names no SIP destination`);
  }

  /** D4: ENUM for the number, then the result as a SIP destination; kept while its answers are. */
  async numberToSip(number: string, wants: readonly EnumService[], trace?: ResolutionTrace): Promise<SipDestination> {
    const key = `${wants.join(',')} ${number}`;
    const kept = trace === undefined ? this.#numbers.get(key) : undefined;
    if (kept?.enumResult !== undefined && kept.enumResult.expiresAtMs > this.#options.now()) return kept;
    const destination = await this.#enumToSip(number, wants, trace);
    this.#numbers.delete(key);
    if (this.#numbers.size >= (this.#options.maxEntries ?? DEFAULT_MAX_ENTRIES))
      this.#numbers.delete(this.#numbers.keys().next().value!);
    this.#numbers.set(key, destination);
    return destination;
  }

  async #enumToSip(
    number: string,
    wants: readonly EnumService[],
    trace: ResolutionTrace | undefined,
  ): Promise<SipDestination> {
    const result = await this.#options.enumResolver.resolve(number, wants, trace);
    let uri: Uri;
    try {
      uri = parseUri(result.uri);
    } catch {
      throw new DiscoveryError('ENUM_RESULT_UNROUTABLE', `the ENUM result "${result.uri}" is not a well-formed URI`);
    }
    if (isSipUri(uri)) return { ...sipDestination(uri, result.uri), enumResult: result };
    if (isImPresUri(uri)) return { ...imPresDestination(uri, trace), enumResult: result };
    throw new DiscoveryError('ENUM_RESULT_UNROUTABLE', `the ENUM result ${result.uri} is not a sip:, im: or pres: URI`);
  }

  /** RFC 3861 SRV first for im:/pres:, else (or when it has none) RFC 3263 on the SIP URI. */
  async locate(destination: SipDestination, trace?: ResolutionTrace): Promise<LocatedTarget[]> {
    if (destination.srvName !== undefined) {
      trace?.stage(`RFC 3861: SRV ${destination.srvName}`);
      const targets = await this.#options.locator.locateSrv(destination.srvName, destination.domain, trace);
      if (targets.length > 0) return targets;
      trace?.decision(`no SRV at ${destination.srvName}: RFC 3263 for the SIP URI instead (RFC 3861 §4)`);
    }
    const { uri } = destination;
    const transport = uri.params.get('transport')?.toLowerCase();
    return this.#options.locator.locate(
      {
        // RFC 3263 §4 would resolve a maddr instead: not at a border, where it would let the sender
        // pick the host the edge connects to (SPEC B1, docs/SECURITY.md). The URI's host is resolved.
        host: uri.host,
        ...(uri.port === undefined ? {} : { port: uri.port }),
        ...(isPeerTransport(transport) ? { transport } : {}),
        secure: uri.scheme === 'sips',
      },
      trace,
    );
  }
}

function sipDestination(uri: SipUri, requestUri: string | undefined): SipDestination {
  return { uri, requestUri, domain: uri.host.toLowerCase() };
}

/** RFC 3861 §4 and RFC 3428 §5: the SRV _im._sip / _pres._sip of the domain; the same user@domain as sip:. */
function imPresDestination(uri: ImPresUri, trace: ResolutionTrace | undefined): SipDestination {
  const domain = uri.host.toLowerCase();
  const requestUri = uri.user === undefined ? `sip:${uri.host}` : `sip:${uri.user}@${uri.host}`;
  trace?.decision(
    `${uri.scheme}:${uri.user === undefined ? '' : `${uri.user}@`}${uri.host} is reached as ${requestUri} (RFC 3861)`,
  );
  return { uri: parseUri(requestUri) as SipUri, requestUri, domain, srvName: `_${uri.scheme}._sip.${domain}` };
}

function isPeerTransport(value: string | undefined): value is PeerTransport {
  return value === 'tls' || value === 'tcp' || value === 'udp';
}

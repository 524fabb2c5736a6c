// ENUM (RFC 6116, D4): an E.164 number to a URI through the NAPTR records of its reversed-digit
// domain. The enumservices wanted are tried in the request's order of preference (im or pres, then
// sip); for each, the records in order then preference; "u" rules end the search, non-terminal
// rules continue at their replacement; an enum: result is looked up again as a new number (D6).

import type { DnsClient } from './dns-client.js';
import { formatRecordData, type NaptrRecord } from './dns-records.js';
import { DiscoveryError } from './discovery-error.js';
import { e164FromUri, enumDomain } from './e164-number.js';
import { enumserviceTypes, type EnumService } from './enum-services.js';
import { applyNaptrRule, parseNaptrRegexp, type NaptrRule } from './naptr-regexp.js';
import { orderNaptrRecords } from './naptr-order.js';
import type { ResolutionTrace } from './resolution-trace.js';
import { isEnumUri, parseUri, type EnumUri } from '../sip/uri.js';

export interface EnumResult {
  /** The URI the rule produced: sip:, im:, pres:, or anything else the zone holds. */
  readonly uri: string;
  readonly service: EnumService;
  /** The number whose records produced it (after any enum: redirection). */
  readonly number: string;
  readonly record: NaptrRecord;
  /** The earliest expiry among the answers the result rests on: it may be reused until then. */
  readonly expiresAtMs: number;
}

export interface EnumResolverOptions {
  readonly dns: DnsClient;
  readonly suffixes: readonly string[];
  /** Non-terminal hops plus enum: re-submissions on one path (D6). */
  readonly maxChainDepth: number;
}

/** One resolution's path (numbers and domains, for loop detection) and what it met on the way. */
interface Chain {
  readonly path: string[];
  readonly trace: ResolutionTrace | undefined;
  expiresAtMs: number;
  malformed: DiscoveryError | undefined;
  telResult: string | undefined;
}

const RULE_CACHE_SIZE = 1_024;

export class EnumResolver {
  readonly #options: EnumResolverOptions;
  /** Compiled regexps by field text: compiling once per rule, not once per request. */
  readonly #rules = new Map<string, NaptrRule | DiscoveryError>();

  constructor(options: EnumResolverOptions) {
    this.#options = options;
  }

  async resolve(number: string, wants: readonly EnumService[], trace?: ResolutionTrace): Promise<EnumResult> {
    const chain: Chain = {
      path: [number],
      trace,
      expiresAtMs: Number.POSITIVE_INFINITY,
      malformed: undefined,
      telResult: undefined,
    };
    const result = await this.#resolveNumber(number, wants, chain);
    if (result !== undefined) return { ...result, expiresAtMs: chain.expiresAtMs };
    if (chain.malformed !== undefined) throw chain.malformed;
    if (chain.telResult !== undefined) {
      throw new DiscoveryError(
        'ENUM_TEL_RESULT',
        `ENUM for ${number} gave only ${chain.telResult}; a tel: result is not looked up again (004 §3.2)`,
      );
    }
    throw new DiscoveryError(
      'NOT_FOUND',
      `no ENUM rule for ${number} yields ${wants.map((w) => `E2U+${w}`).join(' or ')} under ${this.#options.suffixes.join(', ')}`,
    );
  }

  async #resolveNumber(number: string, wants: readonly EnumService[], chain: Chain): Promise<EnumResult | undefined> {
    for (const suffix of this.#options.suffixes) {
      const domain = enumDomain(number, suffix);
      chain.trace?.stage(`ENUM ${number} → ${domain} (RFC 6116 §2.4)`);
      const result = await this.#resolveDomain(domain, number, wants, chain);
      if (result !== undefined) return result;
    }
    return undefined;
  }

  async #resolveDomain(
    domain: string,
    number: string,
    wants: readonly EnumService[],
    chain: Chain,
  ): Promise<EnumResult | undefined> {
    const answer = await this.#options.dns.query(domain, 'NAPTR', chain.trace);
    if (answer.expiresAtMs < chain.expiresAtMs) chain.expiresAtMs = answer.expiresAtMs;
    const records = orderNaptrRecords(answer.records);
    for (const want of wants) {
      for (const record of records) {
        const result = await this.#tryRecord(record, want, number, wants, chain);
        if (result !== undefined) return result;
      }
      if (records.length > 0 && wants.length > 1)
        chain.trace?.decision(`no E2U+${want} rule at ${domain} gave a result`);
    }
    return undefined;
  }

  async #tryRecord(
    record: NaptrRecord,
    want: EnumService,
    number: string,
    wants: readonly EnumService[],
    chain: Chain,
  ): Promise<EnumResult | undefined> {
    const types = enumserviceTypes(record.services);
    const flags = record.flags.toLowerCase();
    if (flags === '') return this.#followNonTerminal(record, types, want, number, chain);
    if (flags !== 'u' || types === undefined || !types.includes(want)) return undefined;
    const rule = this.#rule(record.regexp);
    if (rule instanceof DiscoveryError) {
      chain.malformed ??= rule;
      chain.trace?.decision(`rejected NAPTR ${formatRecordData(record)}: ${rule.message}`);
      return undefined;
    }
    const uri = applyNaptrRule(rule, number);
    if (uri === undefined) {
      chain.trace?.decision(`NAPTR ${formatRecordData(record)}: the regexp does not match "${number}"`);
      return undefined;
    }
    if (/^enum:/i.test(uri)) return this.#resubmit(uri, wants, chain);
    if (/^tel:/i.test(uri)) {
      chain.telResult ??= uri;
      chain.trace?.decision(
        `NAPTR ${formatRecordData(record)} gave ${uri}: a tel: result is not looked up again (004 §3.2); next rule`,
      );
      return undefined;
    }
    chain.trace?.decision(
      `chosen NAPTR ${formatRecordData(record)} → ${uri}: E2U+${want} is ${wants.indexOf(want) === 0 ? 'the first choice' : 'the fallback'} for this request (${wants.join(', then ')}); order ${record.order}, preference ${record.preference}`,
    );
    return { uri, service: want, number, record, expiresAtMs: chain.expiresAtMs };
  }

  /**
   * RFC 3403 §4.1: an empty flag means "continue at the replacement (or the regexp's output)". Such a
   * rule usually has an empty services field (RFC 6116 §3.4.3 defines services for terminal rules
   * only): followed like a bare "E2U", for every enumservice; a services field of another
   * application (SIP+D2T …) is not ENUM's.
   */
  async #followNonTerminal(
    record: NaptrRecord,
    types: string[] | undefined,
    want: EnumService,
    number: string,
    chain: Chain,
  ): Promise<EnumResult | undefined> {
    const offered = record.services.trim() === '' ? [] : types;
    if (offered === undefined || (offered.length > 0 && !offered.includes(want))) return undefined;
    let next = record.replacement;
    if (next === '') {
      const rule = this.#rule(record.regexp);
      if (rule instanceof DiscoveryError) {
        chain.malformed ??= rule;
        return undefined;
      }
      next = (applyNaptrRule(rule, number) ?? '').toLowerCase().replace(/\.$/, '');
      if (next === '') return undefined;
    }
    chain.trace?.decision(`non-terminal NAPTR ${formatRecordData(record)}: continue at ${next}`);
    this.#enter(next, chain);
    try {
      return await this.#resolveDomain(next, number, [want], chain);
    } finally {
      chain.path.pop();
    }
  }

  /** D6: an enum: result is a new ENUM query for its number; its parameters are ignored (004 §3.1). */
  async #resubmit(uri: string, wants: readonly EnumService[], chain: Chain): Promise<EnumResult | undefined> {
    const parsed = enumUriOf(uri);
    const next = e164FromUri(parsed);
    if (next === undefined) throw new DiscoveryError('NOT_E164', `the ENUM result ${uri} holds no E.164 number`);
    chain.trace?.decision(
      `${uri} is an enum: URI: re-submitted as ${next}${parsed.params.size > 0 ? ' (its parameters ignored)' : ''}`,
    );
    this.#enter(next, chain);
    try {
      return await this.#resolveNumber(next, wants, chain);
    } finally {
      chain.path.pop();
    }
  }

  #enter(next: string, chain: Chain): void {
    if (chain.path.includes(next)) {
      throw new DiscoveryError('ENUM_LOOP', `ENUM loop: ${[...chain.path, next].join(' → ')}`);
    }
    if (chain.path.length > this.#options.maxChainDepth) {
      throw new DiscoveryError(
        'ENUM_CHAIN_TOO_DEEP',
        `ENUM chain longer than discovery.enum.maxChainDepth (${this.#options.maxChainDepth}): ${[...chain.path, next].join(' → ')}`,
      );
    }
    chain.path.push(next);
  }

  #rule(field: string): NaptrRule | DiscoveryError {
    let rule = this.#rules.get(field);
    if (rule !== undefined) return rule;
    try {
      rule = parseNaptrRegexp(field);
    } catch (error) {
      if (!(error instanceof DiscoveryError)) throw error;
      rule = error;
    }
    if (this.#rules.size >= RULE_CACHE_SIZE) this.#rules.delete(this.#rules.keys().next().value!);
    this.#rules.set(field, rule);
    return rule;
  }
}

function enumUriOf(text: string): EnumUri {
  try {
    const uri = parseUri(text);
    if (isEnumUri(uri)) return uri;
  } catch {
    // reported below, with the rule's output
  }
  throw new DiscoveryError('NOT_E164', `the ENUM result ${text} is not a well-formed enum: URI`);
}

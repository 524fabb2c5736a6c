// MIMI discovery (draft-bertola-mimi-discovery, D7; experimental, off unless configured): an MUI (a
// domain name) to its MSSI records; an e-mail address through its domain's MIMIX record to the MUI
// <local-part>.<mimi-domain> (§5.1.1); a phone number through its ENUM domain, used as the MUI
// (§5.2.1). Neither record type exists yet: TXT (or a TYPEnnn) at configurable names stands in.

import type { DnsClient } from './dns-client.js';
import type { TextRecordType } from './dns-records.js';
import { DiscoveryError, isDiscoveryError } from './discovery-error.js';
import { enumDomain } from './e164-number.js';
import { isMimiRecordText, orderMimiRecords, parseMimiRecord, type MimiRecord } from './mimi-record.js';
import type { ResolutionTrace } from './resolution-trace.js';

export interface MimiResolverOptions {
  readonly dns: DnsClient;
  /** Owner-name template with {mui}, e.g. "{mui}" or "_mimi.{mui}". */
  readonly recordName: string;
  readonly recordType: TextRecordType;
  /** Owner-name template with {domain}. */
  readonly mimixName: string;
  readonly mimixType: TextRecordType;
  /** The s= values this edge can reach; records without s= are generic and kept. */
  readonly services: readonly string[];
  readonly enumSuffixes: readonly string[];
}

export interface MimiResolution {
  readonly mui: string;
  /** Usable records, most preferred first. */
  readonly records: readonly MimiRecord[];
}

const DOMAIN = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;

export class MimiResolver {
  readonly #options: MimiResolverOptions;

  constructor(options: MimiResolverOptions) {
    this.#options = options;
  }

  async resolveMui(mui: string, trace?: ResolutionTrace): Promise<MimiResolution> {
    const name = this.#options.recordName.replace('{mui}', mui.toLowerCase().replace(/\.$/, ''));
    trace?.stage(`MIMI records of ${mui} at ${name} (${this.#options.recordType})`);
    const answer = await this.#options.dns.query(name, this.#options.recordType, trace);
    const parsed: MimiRecord[] = [];
    let malformed: DiscoveryError | undefined;
    for (const record of answer.records) {
      const text = record.strings.join('');
      if (!isMimiRecordText(text)) continue;
      try {
        parsed.push(parseMimiRecord(text));
      } catch (error) {
        if (!isDiscoveryError(error)) throw error;
        malformed ??= error;
        trace?.decision(`rejected: ${error.message}`);
      }
    }
    const records = orderMimiRecords(parsed.filter((r) => this.#supported(r, trace)));
    if (records.length === 0) throw malformed ?? new DiscoveryError('NOT_FOUND', `no usable MIMI record at ${name}`);
    trace?.decision(
      `MIMI records by p (lower first): ${records.map((r) => `${r.service ?? 'generic'} ${r.account ?? ''}@${r.endpoint}`).join(', ')}`,
    );
    return { mui, records };
  }

  /** §5.1.1: MIMIX at the e-mail domain names the MIMI domain; the MUI is local-part.mimi-domain. */
  async resolveEmail(address: string, trace?: ResolutionTrace): Promise<MimiResolution> {
    const at = address.lastIndexOf('@');
    const local = address.slice(0, at).toLowerCase();
    const domain = address.slice(at + 1).toLowerCase();
    const name = this.#options.mimixName.replace('{domain}', domain);
    trace?.stage(`MIMIX of ${domain} at ${name} (${this.#options.mimixType})`);
    const answer = await this.#options.dns.query(name, this.#options.mimixType, trace);
    const mimiDomain = answer.records
      .map((r) => r.strings.join('').trim().toLowerCase().replace(/\.$/, ''))
      .find((text) => DOMAIN.test(text));
    if (mimiDomain === undefined) throw new DiscoveryError('NOT_FOUND', `no MIMIX record (a domain name) at ${name}`);
    const mui = `${local}.${mimiDomain}`;
    if (!DOMAIN.test(mui))
      throw new DiscoveryError('NOT_FOUND', `"${local}" cannot be a DNS label, so ${address} has no MUI`);
    trace?.decision(`MUI ${mui}: the local part "${local}" under the MIMI domain ${mimiDomain}`);
    return this.resolveMui(mui, trace);
  }

  /** §5.2.1: the number's ENUM domain is its MUI; each configured suffix in turn. */
  async resolvePhone(number: string, trace?: ResolutionTrace): Promise<MimiResolution> {
    let last: DiscoveryError | undefined;
    for (const suffix of this.#options.enumSuffixes) {
      try {
        return await this.resolveMui(enumDomain(number, suffix), trace);
      } catch (error) {
        if (!isDiscoveryError(error) || error.code !== 'NOT_FOUND') throw error;
        last = error;
      }
    }
    throw last ?? new DiscoveryError('NOT_FOUND', `no MIMI record for ${number}`);
  }

  #supported(record: MimiRecord, trace: ResolutionTrace | undefined): boolean {
    if (record.service === undefined || this.#options.services.includes(record.service)) return true;
    trace?.decision(
      `passed over s=${record.service}: not in discovery.mimi.services (${this.#options.services.join(', ')})`,
    );
    return false;
  }
}

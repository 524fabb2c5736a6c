// A host name to its addresses through the edge's own DNS client (D3: the configured resolvers, their
// timeouts and the TTL cache), shaped as node:net's `lookup` option, so an HTTPS fetch made for the
// border (the peer's policy document, G2) connects where discovery says and not where the system
// resolver says, while TLS still checks the certificate against the name.

import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { DnsClient } from './dns-client.js';
import type { AddressFamily } from './location-plan.js';

export interface HostLookupOptions {
  readonly dns: DnsClient;
  /** discovery.addressFamilies: which record types are asked, and which addresses come first. */
  readonly addressFamilies: readonly AddressFamily[];
}

/** The addresses of `host` in the configured order of families; empty when it has none. */
export async function hostAddresses(options: HostLookupOptions, host: string): Promise<LookupAddress[]> {
  const found: LookupAddress[] = [];
  for (const family of options.addressFamilies) {
    const answer = await options.dns.query(host, family === 'ipv4' ? 'A' : 'AAAA');
    for (const record of answer.records) {
      if (record.type === 'A' || record.type === 'AAAA')
        found.push({ address: record.address, family: record.type === 'A' ? 4 : 6 });
    }
  }
  return found;
}

export function createHostLookup(options: HostLookupOptions): LookupFunction {
  return (hostname: string, lookupOptions: LookupOptions, callback) => {
    const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : undefined;
    hostAddresses(options, hostname).then(
      (addresses) => {
        const usable = family === undefined ? addresses : addresses.filter((a) => a.family === family);
        const first = usable[0];
        if (first === undefined) {
          callback(
            Object.assign(new Error(`${hostname}: no address records at the configured resolvers`), {
              code: 'ENOTFOUND',
              hostname,
            }),
            '',
            0,
          );
        } else if (lookupOptions.all === true) {
          callback(null, usable);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        callback(Object.assign(failure, { code: (failure as { code?: string }).code ?? 'ENOTFOUND', hostname }), '', 0);
      },
    );
  };
}

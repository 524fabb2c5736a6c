import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { a, aaaa, FakeDnsTransport } from '../../test/support/fake-dns-transport.js';
import { DnsClient } from './dns-client.js';
import { createHostLookup } from './host-lookup.js';
import type { AddressFamily } from './location-plan.js';

function lookupOver(transport: FakeDnsTransport, addressFamilies: AddressFamily[] = ['ipv4', 'ipv6']) {
  const dns = new DnsClient({
    clock: new FakeClock(),
    transport,
    servers: [{ address: '192.0.2.53', port: 53 }],
    timeoutMs: 1000,
    retries: 0,
    maxEntries: 100,
    maxTtlSeconds: 86_400,
    maxNegativeTtlSeconds: 3600,
  });
  const lookup = createHostLookup({ dns, addressFamilies });
  return (host: string, options: { all?: boolean; family?: number } = {}) =>
    new Promise<{ address: string | LookupAddress[]; family?: number }>((resolve, reject) => {
      lookup(host, options, (error, address, family) =>
        error === null ? resolve({ address, ...(family === undefined ? {} : { family }) }) : reject(error),
      );
    });
}

describe('D3 host names the border connects to are resolved through the configured resolvers', () => {
  it('D3 G2 gives the address the configured resolver holds, in the order of discovery.addressFamilies', async () => {
    const transport = new FakeDnsTransport().add(
      a('policy.b.example.net', '198.51.100.7'),
      aaaa('policy.b.example.net', '2001:db8::7'),
    );
    expect(await lookupOver(transport)('policy.b.example.net')).toEqual({ address: '198.51.100.7', family: 4 });
    expect(await lookupOver(transport, ['ipv6', 'ipv4'])('policy.b.example.net', { all: true })).toEqual({
      address: [
        { address: '2001:db8::7', family: 6 },
        { address: '198.51.100.7', family: 4 },
      ],
    });
    expect(await lookupOver(transport)('policy.b.example.net', { family: 6 })).toEqual({
      address: '2001:db8::7',
      family: 6,
    });
  });

  it('D3 answers ENOTFOUND, naming the host, when the resolvers know no address', async () => {
    await expect(lookupOver(new FakeDnsTransport())('nowhere.b.example.net')).rejects.toMatchObject({
      code: 'ENOTFOUND',
      hostname: 'nowhere.b.example.net',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { a, FakeDnsTransport, naptr, srv } from '../../test/support/fake-dns-transport.js';
import { parseUri } from '../sip/uri.js';
import { createDiscovery } from './create-discovery.js';
import { discoverySchema } from '../config/discovery-schema.js';

function discovery(transport: FakeDnsTransport) {
  const config = discoverySchema.parse({ resolvers: ['192.0.2.53:53'], transports: ['tls'] });
  return createDiscovery(config, { clock: new FakeClock(), transport });
}

describe('D5 im: and pres: URIs (RFC 3861)', () => {
  it('D5 reaches im:user@domain through _im._sip SRV, as sip:user@domain', async () => {
    const transport = new FakeDnsTransport().add(
      srv('_im._sip.b.example.net', 10, 0, 5061, 'im.b.example.net'),
      a('im.b.example.net', '192.0.2.20'),
    );
    const { destinations } = discovery(transport);
    const destination = await destinations.toSip(parseUri('im:alice@b.example.net'), ['im', 'sip']);
    expect(destination).toMatchObject({
      requestUri: 'sip:alice@b.example.net',
      domain: 'b.example.net',
      srvName: '_im._sip.b.example.net',
    });
    expect(await destinations.locate(destination)).toEqual([
      { protocol: 'tls', address: '192.0.2.20', port: 5061, servername: 'b.example.net' },
    ]);
  });

  it('D5 without _pres._sip SRV falls back to RFC 3263 for the sip: URI of the same user@domain', async () => {
    const transport = new FakeDnsTransport().add(
      srv('_sips._tcp.b.example.net', 10, 0, 5061, 'edge.b.example.net'),
      a('edge.b.example.net', '192.0.2.21'),
    );
    const { destinations } = discovery(transport);
    const destination = await destinations.toSip(parseUri('pres:bob@b.example.net'), ['pres', 'sip']);
    expect((await destinations.locate(destination)).map((t) => t.address)).toEqual(['192.0.2.21']);
    expect(transport.count('_pres._sip.b.example.net', 'SRV')).toBe(1);
  });
});

describe('D4 numbers to SIP destinations', () => {
  it('D4 ENUM → im: → _im._sip SRV → target (000)', async () => {
    const transport = new FakeDnsTransport().add(
      naptr('0.0.1.0.5.5.5.2.0.2.1.e164.arpa', 10, 10, 'u', 'E2U+im', '!^.*$!im:alice@b.example.net!'),
      srv('_im._sip.b.example.net', 10, 0, 5061, 'im.b.example.net'),
      a('im.b.example.net', '192.0.2.20'),
    );
    const { destinations } = discovery(transport);
    const destination = await destinations.toSip(parseUri('tel:+1-202-555-0100'), ['im', 'sip']);
    expect(destination).toMatchObject({
      requestUri: 'sip:alice@b.example.net',
      enumResult: { uri: 'im:alice@b.example.net', service: 'im' },
    });
    expect((await destinations.locate(destination)).map((t) => t.address)).toEqual(['192.0.2.20']);
  });

  it('D4 reuses an ENUM outcome until its NAPTR answer expires', async () => {
    const clock = new FakeClock();
    const transport = new FakeDnsTransport().add(
      naptr('0.0.1.0.5.5.5.2.0.2.1.e164.arpa', 10, 10, 'u', 'E2U+sip', '!^.*$!sip:alice@b.example.net!', '', 30),
    );
    const { destinations } = createDiscovery(discoverySchema.parse({ resolvers: ['192.0.2.53:53'] }), {
      clock,
      transport,
    });
    expect((await destinations.numberToSip('+12025550100', ['sip'])).requestUri).toBe('sip:alice@b.example.net');
    transport.replace(
      '0.0.1.0.5.5.5.2.0.2.1.e164.arpa',
      'NAPTR',
      naptr('0.0.1.0.5.5.5.2.0.2.1.e164.arpa', 10, 10, 'u', 'E2U+sip', '!^.*$!sip:alice@c.example.org!', '', 30),
    );
    clock.advance(29_999);
    expect((await destinations.numberToSip('+12025550100', ['sip'])).requestUri).toBe('sip:alice@b.example.net');
    expect(transport.exchanges).toHaveLength(1);
    clock.advance(1);
    expect((await destinations.numberToSip('+12025550100', ['sip'])).requestUri).toBe('sip:alice@c.example.org');
  });

  it('D4 a local tel: number cannot be looked up', async () => {
    await expect(
      discovery(new FakeDnsTransport()).destinations.toSip(parseUri('tel:7042;phone-context=example.com'), ['sip']),
    ).rejects.toMatchObject({ code: 'NOT_E164' });
  });

  it('D4 an ENUM result that is neither sip:, im: nor pres: is not routable', async () => {
    const transport = new FakeDnsTransport().add(
      naptr('0.0.1.0.5.5.5.2.0.2.1.e164.arpa', 10, 10, 'u', 'E2U+sip', '!^.*$!mailto:alice@b.example.net!'),
    );
    await expect(discovery(transport).destinations.toSip(parseUri('tel:+12025550100'), ['sip'])).rejects.toMatchObject({
      code: 'ENUM_RESULT_UNROUTABLE',
    });
  });
});

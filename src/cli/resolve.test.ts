import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { a, FakeDnsTransport, srv } from '../../test/support/fake-dns-transport.js';
import { discoverySchema } from '../config/discovery-schema.js';
import { createDiscovery } from '../discovery/create-discovery.js';
import type { CliIo } from './cli-io.js';
import { main } from './main.js';
import { runResolve } from './resolve.js';

function recordingIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => void stdout.push(line), err: (line) => void stderr.push(line) };
}

describe('D8 simple-edge resolve', () => {
  it('D8 prints the queries with TTLs, the SRV order and the targets', async () => {
    const transport = new FakeDnsTransport().add(srv('_sips._tcp.b.example.net', 10, 0, 5061, 'edge.b.example.net', 600), a('edge.b.example.net', '192.0.2.1', 120));
    const discovery = createDiscovery(discoverySchema.parse({ resolvers: ['192.0.2.53:53'], transports: ['tls'], addressFamilies: ['ipv4'] }), { clock: new FakeClock(), transport });
    const io = recordingIo();
    expect(await runResolve({ input: 'sip:bob@b.example.net', io, discovery })).toBe(0);
    expect(io.stdout).toEqual([
      'resolve sip:bob@b.example.net for MESSAGE (resolvers 192.0.2.53:53)',
      'RFC 3263 for b.example.net (transports tls)',
      '  NAPTR b.example.net: NXDOMAIN, kept 60 s (RFC 2308) (from 192.0.2.53:53)',
      '  → no usable NAPTR record: SRV for _sips._tcp.b.example.net',
      '  SRV _sips._tcp.b.example.net: 1 record, kept 600 s (from 192.0.2.53:53)',
      '    SRV 10 0 5061 edge.b.example.net  ttl 600',
      '  A edge.b.example.net: 1 record, kept 120 s (from 192.0.2.53:53)',
      '    A 192.0.2.1  ttl 120',
      'Request-URI: sip:bob@b.example.net',
      'targets, in the order the edge tries them (the next on connect error, timeout or 503):',
      '  1. tls 192.0.2.1:5061 (TLS servername b.example.net)',
    ]);
  });

  it('D8 refuses a resolver that is not an address, with exit code 1', async () => {
    const io = recordingIo();
    expect(await main(['resolve', 'b.example.net', '--resolver', 'ns.example.net:53'], { io })).toBe(1);
    expect(io.stderr).toEqual(['--resolver ns.example.net:53: write an IP address and port such as 127.0.0.1:53 or [::1]:53']);
  });

  it('D8 exits 2 when the configuration given is invalid', async () => {
    const io = recordingIo();
    expect(await main(['resolve', 'b.example.net', '--config', 'test/fixtures/config/invalid-limits.yaml'], { io })).toBe(2);
    expect(io.stderr.length).toBeGreaterThan(0);
  });

  it('D8 exits 4 and says why when a number is not an E.164 number', async () => {
    const io = recordingIo();
    expect(await runResolve({ input: '+12ab', io, discovery: createDiscovery(discoverySchema.parse({ resolvers: ['192.0.2.53:53'] }), { clock: new FakeClock(), transport: new FakeDnsTransport() }) })).toBe(4);
    expect(io.stderr[0]).toMatch(/^not resolved: NOT_E164: "\+12ab" is not an E\.164 number/);
  });
});

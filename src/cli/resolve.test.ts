import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { a, FakeDnsTransport, naptr, srv } from '../../test/support/fake-dns-transport.js';
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
    const transport = new FakeDnsTransport().add(
      srv('_sips._tcp.b.example.net', 10, 0, 5061, 'edge.b.example.net', 600),
      a('edge.b.example.net', '192.0.2.1', 120),
    );
    const discovery = createDiscovery(
      discoverySchema.parse({ resolvers: ['192.0.2.53:53'], transports: ['tls'], addressFamilies: ['ipv4'] }),
      { clock: new FakeClock(), transport },
    );
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
    expect(io.stderr).toEqual([
      '--resolver ns.example.net:53: write an IP address and port such as 127.0.0.1:53 or [::1]:53',
    ]);
  });

  it('D8 takes --resolver once per resolver and still reads the target written after them', async () => {
    const io = recordingIo();
    const argv = ['resolve', '-r', '127.0.0.1:5300', '--resolver', 'ns.example.net:53', 'sip:bob@b.example.net'];
    // The second resolver is refused by name: both were collected, and the target was not taken for one.
    expect(await main(argv, { io })).toBe(1);
    expect(io.stderr).toEqual([
      '--resolver ns.example.net:53: write an IP address and port such as 127.0.0.1:53 or [::1]:53',
    ]);
  });

  it('D8 exits 2 when the configuration given is invalid', async () => {
    const io = recordingIo();
    expect(
      await main(['resolve', 'b.example.net', '--config', 'test/fixtures/config/invalid-limits.yaml'], { io }),
    ).toBe(2);
    expect(io.stderr.length).toBeGreaterThan(0);
  });

  it('D8 exits 4 and says why when a number is not an E.164 number', async () => {
    const io = recordingIo();
    expect(
      await runResolve({
        input: '+12ab',
        io,
        discovery: createDiscovery(discoverySchema.parse({ resolvers: ['192.0.2.53:53'] }), {
          clock: new FakeClock(),
          transport: new FakeDnsTransport(),
        }),
      }),
    ).toBe(4);
    expect(io.stderr[0]).toMatch(/^not resolved: NOT_E164: "\+12ab" is not an E\.164 number/);
  });

  describe('D4 I1 the path the running edge takes for targets in its own domain', () => {
    const configPath = path.join(mkdtempSync(path.join(tmpdir(), 'simple-edge-resolve-')), 'edge.yaml');
    writeFileSync(configPath, 'domains: [a.example.com]\ndiscovery: { resolvers: ["192.0.2.53:53"] }\n');
    const ENUM_NAME = '5.5.5.5.5.5.5.5.0.2.1.e164.arpa';
    const discovery = (transport: FakeDnsTransport) =>
      createDiscovery(discoverySchema.parse({ resolvers: ['192.0.2.53:53'] }), { clock: new FakeClock(), transport });

    it('D4 a tel: number ENUM maps into our domain goes to the built-in registrar, not to DNS targets', async () => {
      const io = recordingIo();
      const transport = new FakeDnsTransport().add(
        naptr(ENUM_NAME, 10, 10, 'u', 'E2U+sip', '!^.*$!sip:alice@a.example.com!'),
      );
      expect(await runResolve({ input: 'tel:+12055555555', io, configPath, discovery: discovery(transport) })).toBe(0);
      expect(io.stdout).toContain('Request-URI: sip:alice@a.example.com');
      expect(io.stdout.at(-1)).toBe(
        "route: this community's own domain: the built-in registrar takes it (the user's registered contacts, or 404/480)",
      );
    });

    it('D4 a user=phone number in our domain is looked up in ENUM first, as the edge does', async () => {
      const io = recordingIo();
      const transport = new FakeDnsTransport().add(
        naptr(ENUM_NAME, 10, 10, 'u', 'E2U+sip', '!^.*$!sip:bob@b.example.net!'),
      );
      expect(
        await runResolve({
          input: 'sip:+12055555555@a.example.com;user=phone',
          io,
          configPath,
          discovery: discovery(transport),
        }),
      ).toBe(4);
      // ENUM names a peer: what follows is that peer's discovery (here it has no SIP records).
      expect(io.stdout.join('\n')).toContain(ENUM_NAME);
      expect(io.stdout.join('\n')).toContain('b.example.net');
    });
  });
});

// npm run bench (second part): discovery (D2-D4). Cached resolution of a peer domain (RFC 3263
// NAPTR → SRV → A) and of an E.164 number (ENUM → im: → _im._sip SRV → A), as look-ups per second and
// bytes allocated per look-up, each beside the same resolution uncached (a loopback DNS server
// answering); and 1,000 concurrent uncached look-ups of one name, which must cost one query.
// Prints figures and ratios; asserts nothing.

import os from 'node:os';
import { TimerWheel } from '../src/clock/timer-wheel.js';
import { discoverySchema } from '../src/config/discovery-schema.js';
import { createDiscovery, type Discovery } from '../src/discovery/create-discovery.js';
import { parseUri } from '../src/sip/uri.js';
import { formatRate, type Rate } from './measure.js';
import { LoopbackDnsServer, type BenchRecord } from './loopback-dns-server.js';

const NUMBER_DOMAIN = '0.0.1.0.5.5.5.2.0.2.1.e164.arpa';

const ZONE: BenchRecord[] = [
  {
    type: 'NAPTR',
    name: 'b.example.net',
    ttl: 3600,
    data: {
      order: 10,
      preference: 10,
      flags: 's',
      services: 'SIPS+D2T',
      regexp: '',
      replacement: '_sips._tcp.b.example.net',
    },
  },
  {
    type: 'NAPTR',
    name: 'b.example.net',
    ttl: 3600,
    data: {
      order: 20,
      preference: 10,
      flags: 's',
      services: 'SIP+D2T',
      regexp: '',
      replacement: '_sip._tcp.b.example.net',
    },
  },
  {
    type: 'SRV',
    name: '_sips._tcp.b.example.net',
    ttl: 3600,
    data: { priority: 10, weight: 60, port: 5061, target: 'edge1.b.example.net' },
  },
  {
    type: 'SRV',
    name: '_sips._tcp.b.example.net',
    ttl: 3600,
    data: { priority: 10, weight: 40, port: 5061, target: 'edge2.b.example.net' },
  },
  {
    type: 'SRV',
    name: '_sip._tcp.b.example.net',
    ttl: 3600,
    data: { priority: 10, weight: 0, port: 5060, target: 'edge1.b.example.net' },
  },
  {
    type: 'SRV',
    name: '_im._sip.b.example.net',
    ttl: 3600,
    data: { priority: 10, weight: 0, port: 5061, target: 'edge1.b.example.net' },
  },
  { type: 'A', name: 'edge1.b.example.net', ttl: 3600, data: '192.0.2.1' },
  { type: 'A', name: 'edge2.b.example.net', ttl: 3600, data: '192.0.2.2' },
  { type: 'AAAA', name: 'edge1.b.example.net', ttl: 3600, data: '2001:db8::1' },
  { type: 'A', name: 'shared.b.example.net', ttl: 3600, data: '192.0.2.9' },
  {
    type: 'NAPTR',
    name: NUMBER_DOMAIN,
    ttl: 3600,
    data: {
      order: 10,
      preference: 10,
      flags: 'u',
      services: 'E2U+sip',
      regexp: '!^.*$!sip:alice@b.example.net!',
      replacement: '.',
    },
  },
  {
    type: 'NAPTR',
    name: NUMBER_DOMAIN,
    ttl: 3600,
    data: {
      order: 10,
      preference: 20,
      flags: 'u',
      services: 'E2U+im',
      regexp: '!^\\+1(.*)$!im:\\1@b.example.net!',
      replacement: '.',
    },
  },
];

const DOMAIN_URI = parseUri('sip:bob@b.example.net');
const NUMBER_URI = parseUri('tel:+1-202-555-0100');

async function resolveDomain(discovery: Discovery): Promise<unknown> {
  return discovery.destinations.locate(await discovery.destinations.toSip(DOMAIN_URI, ['sip']));
}

async function resolveNumber(discovery: Discovery): Promise<unknown> {
  return discovery.destinations.locate(await discovery.destinations.toSip(NUMBER_URI, ['im', 'sip']));
}

/** measure() for promises: warm up, then the median of several timed rounds. */
async function measureAsync(
  fn: () => Promise<unknown>,
  options: { rounds?: number; roundMs?: number; before?: () => void } = {},
): Promise<Rate> {
  const rates: number[] = [];
  await runFor(fn, 150, options.before);
  for (let r = 0; r < (options.rounds ?? 5); r++) rates.push(await runFor(fn, options.roundMs ?? 400, options.before));
  rates.sort((a, b) => a - b);
  const opsPerSecond = rates[Math.floor(rates.length / 2)]!;
  return { opsPerSecond, microsPerOp: 1e6 / opsPerSecond };
}

async function runFor(fn: () => Promise<unknown>, ms: number, before?: () => void): Promise<number> {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < ms) {
    before?.();
    await fn();
    ops++;
  }
  return ops / ((performance.now() - start) / 1000);
}

/** Heap growth over a batch with no collection in between: the median of several batches, per look-up. */
async function bytesPerLookup(fn: () => Promise<unknown>): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return Number.NaN;
  const perOp: number[] = [];
  for (let batch = 0; batch < 9; batch++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000; i++) await fn();
    const grown = process.memoryUsage().heapUsed - before;
    if (grown > 0) perOp.push(grown / 1_000);
  }
  perOp.sort((a, b) => a - b);
  return perOp[Math.floor(perOp.length / 2)] ?? Number.NaN;
}

async function concurrentLookups(discovery: Discovery, server: LoopbackDnsServer): Promise<void> {
  const concurrency = 1_000;
  discovery.clearCaches();
  server.queries = 0;
  let start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, () => discovery.dns.query('shared.b.example.net', 'A')));
  const sharedMs = performance.now() - start;
  const sharedQueries = server.queries;
  discovery.clearCaches();
  server.queries = 0;
  start = performance.now();
  // In waves of 100: a thousand datagrams at once would overflow the server's receive buffer.
  for (let wave = 0; wave < concurrency; wave += 100) {
    await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => discovery.dns.query(`n${wave + i}.b.example.net`, 'A')),
    );
  }
  const distinctMs = performance.now() - start;
  console.log(
    `\n${concurrency} concurrent uncached look-ups of one name: ${sharedQueries} quer${sharedQueries === 1 ? 'y' : 'ies'} sent, ${sharedMs.toFixed(1)} ms`,
  );
  console.log(
    `baseline, ${concurrency} look-ups of distinct names (100 at a time): ${server.queries} queries sent, ${distinctMs.toFixed(1)} ms (${(distinctMs / sharedMs).toFixed(1)}× the time)`,
  );
}

function row(name: string, cached: Rate, uncached: Rate, bytes: number): void {
  console.log(
    `${name.padEnd(34)} cached ${formatRate(cached)}  ${Number.isNaN(bytes) ? '(run with --expose-gc for bytes)' : `${Math.round(bytes).toLocaleString('en-US').padStart(6)} B/lookup`}`,
  );
  console.log(
    `${''.padEnd(34)} uncached ${formatRate(uncached)}  cached is ${(cached.opsPerSecond / uncached.opsPerSecond).toFixed(0)}× faster`,
  );
}

async function main(): Promise<void> {
  const server = new LoopbackDnsServer(ZONE);
  const port = await server.start();
  const clock = new TimerWheel();
  clock.start();
  // All three transports (cleartext opted in), so a look-up walks every SRV set of the domain: the
  // heavier case; the default, TLS only, asks for one.
  const config = discoverySchema.parse({
    federation: 'open',
    resolvers: [`127.0.0.1:${port}`],
    transports: ['tls', 'tcp', 'udp'],
  });
  const discovery = createDiscovery(config, { clock });
  console.log(
    `\nsimple-edge discovery benchmark — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores)`,
  );
  console.log(
    'cached = every answer in the TTL cache; uncached = the cache cleared before each look-up, a loopback DNS server answering\n',
  );
  try {
    for (const [name, fn] of [
      ['domain (NAPTR → SRV → A/AAAA)', resolveDomain],
      ['E.164 (ENUM → im: → SRV → A/AAAA)', resolveNumber],
    ] as const) {
      await fn(discovery);
      const cached = await measureAsync(() => fn(discovery));
      const bytes = await bytesPerLookup(() => fn(discovery));
      const uncached = await measureAsync(() => fn(discovery), {
        rounds: 3,
        roundMs: 300,
        before: () => discovery.clearCaches(),
      });
      row(name, cached, uncached, bytes);
    }
    await concurrentLookups(discovery, server);
  } finally {
    clock.stop();
    await server.stop();
  }
}

await main();

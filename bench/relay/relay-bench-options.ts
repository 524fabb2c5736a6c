// Command-line options of `npm run bench:relay` and the loopback port plan, validated once at start.

import { parseArgs } from 'node:util';

export const PROXY_NAMES = ['simple-edge', 'simple-edge-policy-off', 'kamailio', 'npm-sip', 'direct'] as const;
export type ProxyName = (typeof PROXY_NAMES)[number];
export const TRANSPORTS = ['tcp', 'tls'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Offered MESSAGE/s, step by step; the last rung is above anything SIPp itself reaches here. */
export const FULL_LADDER = [
  1000, 2000, 4000, 6000, 8000, 10_000, 12_000, 15_000, 18_000, 22_000, 26_000, 30_000, 35_000, 40_000, 46_000,
];
const QUICK_LADDER = [1000, 2000, 4000, 8000, 12_000, 18_000, 26_000, 35_000, 46_000];

export interface RelayBenchOptions {
  readonly quick: boolean;
  readonly stepSeconds: number;
  readonly ladder: readonly number[];
  /** One more step halfway between the last good and the first failing rung. */
  readonly refine: boolean;
  /** After each proxy's ladder, 1.5× and 2× its maximum for a step each (off with --no-overload). */
  readonly overload: boolean;
  readonly proxies: readonly ProxyName[];
  readonly transports: readonly Transport[];
  readonly ports: BenchPorts;
  /** Probe MESSAGE/s sent beside the SIPp load to measure latency. */
  readonly probeRate: number;
  /** Run simple-edge under `node --cpu-prof` and summarise the profile. */
  readonly profileEdge: boolean;
  readonly keepWorkDir: boolean;
  readonly jsonPath: string | undefined;
  /** Scheduling niceness of the benchmark and everything it starts; negative on a shared machine. */
  readonly niceness: number;
}

export interface BenchPorts {
  /** The proxy's plain TCP listener (the UAC side). */
  readonly proxyTcp: number;
  /** The proxy's TLS listener (the UAC side; simple-edge's external side). */
  readonly proxyTls: number;
  /** simple-edge's second listener (internal TLS or external TCP), the one facing the UAS. */
  readonly edgeSecond: number;
  readonly edgeAdmin: number;
  readonly uasTcp: number;
  /** stunnel in front of the UAS: TLS in, TCP to the UAS. */
  readonly uasTls: number;
  /** stunnel in front of the UAC: TCP in, TLS to the proxy. */
  readonly uacStunnel: number;
  readonly uacLocal: number;
  readonly uacControl: number;
  readonly uasControl: number;
  readonly uacMedia: number;
  readonly uasMedia: number;
}

/** Between the project's test port range (24000-29999) and Linux's ephemeral range (32768+), so neither
 * the test suite nor outgoing connections of other programs take them. */
export function benchPorts(base: number): BenchPorts {
  return {
    proxyTcp: base + 60,
    proxyTls: base + 61,
    edgeSecond: base + 62,
    edgeAdmin: base + 69,
    uasTcp: base + 90,
    uasTls: base + 91,
    uacStunnel: base + 71,
    uacLocal: base + 80,
    uacControl: base + 888,
    uasControl: base + 890,
    uacMedia: base + 400,
    uasMedia: base + 500,
  };
}

export const USAGE = `usage: npm run bench:relay [-- options]
  --quick              3 s steps, a shorter ladder, no refinement step (a smoke run, ~4 min)
  --no-overload        skip the overload leg (1.5× and 2× each proxy's maximum, a step each)
  --step-seconds N     seconds of load per step (default 6)
  --only LIST          proxies, comma-separated: ${PROXY_NAMES.join(',')}
  --transports LIST    tcp,tls (default both)
  --port-base N        loopback ports N+60..N+890 (default 30000)
  --probe-rate N       latency probe MESSAGE/s (default 200)
  --profile-edge       run simple-edge (both policy variants) under node --cpu-prof and print the top self-time functions
  --nice=N             run the benchmark and all it starts at niceness N (-20..19; negative needs
                       root): on a machine shared with other work, -10 keeps the others off the figures
  --keep               keep the work directory (logs, SIPp CSV, configs, profiles)
  --json FILE          also write the results as JSON`;

export function parseRelayBenchOptions(argv: readonly string[]): RelayBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      'no-overload': { type: 'boolean', default: false },
      'step-seconds': { type: 'string' },
      only: { type: 'string' },
      transports: { type: 'string' },
      'port-base': { type: 'string', default: '30000' },
      'probe-rate': { type: 'string', default: '200' },
      'profile-edge': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      nice: { type: 'string', default: '0' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const stepSeconds = integer('--step-seconds', values['step-seconds'] ?? (quick ? '3' : '6'), 2, 60);
  return {
    quick,
    stepSeconds,
    ladder: quick ? QUICK_LADDER : FULL_LADDER,
    refine: !quick,
    overload: values['no-overload'] !== true,
    proxies: listOf('--only', values.only, PROXY_NAMES),
    transports: listOf('--transports', values.transports, TRANSPORTS),
    ports: benchPorts(integer('--port-base', values['port-base'] ?? '30000', 1024, 31_800)),
    probeRate: integer('--probe-rate', values['probe-rate'] ?? '200', 10, 2000),
    profileEdge: values['profile-edge'] === true,
    keepWorkDir: values.keep === true,
    jsonPath: values.json,
    niceness: integer('--nice', values.nice ?? '0', -20, 19),
  };
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${flag} must be an integer ${min}..${max}, got '${text}'`);
  return value;
}

function listOf<T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T[] {
  if (text === undefined) return [...allowed];
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      throw new Error(`${flag}: unknown '${item}' (choose from ${allowed.join(', ')})`);
  }
  // Keep the canonical order, so simple-edge always runs first and its half rate is known.
  return allowed.filter((a) => items.includes(a));
}

// The scenario file of `simple-edge loadtest` (SPEC L1): which edge to load, where the tool plays the
// far sides, and the traffic mix — named scenarios with weights, parameters and the policy outcomes
// each is expected to produce. Validated with zod; command-line flags override the run settings.

import { z } from 'zod';

export const SCENARIO_KINDS = [
  'message-flood',
  'harvesting',
  'subscribe-short-expires',
  'notify-storm',
  'repeat-604',
  'long-record-route',
  'spoofed-origin',
  'connection-storm',
] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

const hostPort = z
  .object({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(1).max(65_535) })
  .strict();
export type HostPort = z.infer<typeof hostPort>;

/** An outcome as the report names it: a status class or code, 404 split by whether it crossed. */
const outcomeName = z
  .string()
  .regex(
    /^(2xx|3xx|4xx|5xx|6xx|\d{3}|404-at-border|timeout|connection-closed|accepted|refused|error)$/,
    'an outcome: 2xx, 403, 404-at-border, 423, 503, 513, timeout, connection-closed, accepted, refused …',
  );

const expectation = z.union([
  z
    .object({
      policy: z.string().min(1),
      /** What the expectation says, in words, for the report. */
      says: z.string().optional(),
      outcome: outcomeName,
      atLeast: z.number().int().min(0).optional(),
      atMost: z.number().int().min(0).optional(),
      atLeastShare: z.number().min(0).max(1).optional(),
      atMostShare: z.number().min(0).max(1).optional(),
    })
    .strict(),
  z
    .object({
      policy: z.string().min(1),
      says: z.string().optional(),
      /** At most this many requests of one dialog (Call-ID) reach the far side during the run. */
      maxCrossedPerDialog: z.number().int().min(0),
    })
    .strict(),
]);
export type Expectation = z.infer<typeof expectation>;

const scenario = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes')
      .optional(),
    kind: z.enum(SCENARIO_KINDS),
    weight: z.number().positive().default(1),
    /** The policy this scenario exercises, as the report groups it (default: the kind's own). */
    policy: z.string().min(1).optional(),
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
    expect: z.array(expectation).default([]),
  })
  .strict();
export type ScenarioSpec = z.infer<typeof scenario>;

const tls = z.object({ cert: z.string(), key: z.string(), ca: z.string() }).strict();

export const runSettingsShape = {
  /** Operations started per second at full rate, across the mix. */
  rate: z.number().positive().max(1_000_000).default(100),
  /** Seconds of load; the run stops by itself. */
  duration: z.number().positive().max(86_400).default(10),
  /** Seconds over which the rate climbs linearly from zero. */
  ramp: z.number().min(0).max(86_400).default(0),
  /** Distinct sending users the flood scenarios rotate through. */
  senders: z.number().int().min(1).max(1_000_000).default(20),
  /** Operations outstanding at once; beyond it a due operation is skipped and counted. */
  concurrency: z.number().int().min(1).max(1_000_000).default(1000),
  /** Mutual-TLS flows the request scenarios spread over. */
  connections: z.number().int().min(1).max(1000).default(2),
  /** A request with no final response after this long is a timeout. */
  timeoutMs: z.number().int().min(100).max(120_000).default(5000),
};

export const scenarioFileSchema = z
  .object({
    target: z
      .object({
        /** The edge's peer-facing TLS listener: requests of the peer community enter here. */
        external: hostPort,
        /** The edge's community-facing TCP listener: requests of the community enter here. */
        internal: hostPort.optional(),
        /** The community behind the edge under test, and the peer community this tool plays. */
        localDomain: z.string().default('a.example.com'),
        peerDomain: z.string().default('b.example.net'),
      })
      .strict(),
    /** Where the tool answers as the far side: the community's registrar/presence, and the peer's edge. */
    listen: z.object({ community: hostPort.optional(), peer: hostPort.optional() }).strict().default({}),
    /** The peer community's certificate (default: certs/<peerDomain>.pem, .key and certs/ca.pem). */
    tls: tls.optional(),
    /** Addresses beyond loopback the tool may send to (it refuses any other host by default). */
    allowHosts: z.array(z.string()).default([]),
    ...runSettingsShape,
    scenarios: z.array(scenario).min(1),
  })
  .strict();

export type ScenarioFile = z.infer<typeof scenarioFileSchema>;
export type RunSettings = Pick<ScenarioFile, keyof typeof runSettingsShape>;

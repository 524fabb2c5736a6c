// The border policy's knobs (SPEC P, M, S, X, Y, G1): the limits every peer gets, the stricter ones
// for discovered peers (Y1), per-peer agreements that override any of them (G1), and how each rule
// runs (enforce, shadow, off). Defaults follow draft-levin-simple-interdomain-reqs (10 minutes,
// 30 days, 90 days) and the order of magnitude of deployed federation edges (20 messages/s for a
// discovered partner, 1/s when suspicious, blocked after 1,000 distinct recipients).
import { z } from 'zod';
import { domainNameField, refuse } from './network-fields.js';
import { section } from './section.js';

const DAY_S = 86_400;

/** Whole-number limits: [min, max, default]. One table serves the defaults and the overrides. */
const NUMERIC_LIMITS = {
  minSubscriptionExpiresSeconds: [1, DAY_S, 600],
  maxSubscriptionExpiresSeconds: [60, 30 * DAY_S, DAY_S],
  notifyIntervalSeconds: [1, DAY_S, 600],
  minRefreshIntervalPercent: [0, 100, 50],
  earlyRefreshTolerance: [0, 1000, 2],
  cache604Seconds: [60, 30 * DAY_S, 30 * DAY_S],
  retryWindowSeconds: [1, DAY_S, 300],
  tombstoneSeconds: [DAY_S, 3650 * DAY_S, 90 * DAY_S],
  maxDistinctRecipientsPerSender: [1, 1_000_000, 200],
  maxDistinctRecipientsPerPeer: [1, 10_000_000, 10_000],
  distinctRecipientsWindowSeconds: [60, 30 * DAY_S, 3600],
  retryAfterSeconds: [1, 3600, 30],
} as const satisfies Record<string, readonly [number, number, number]>;

type NumericLimit = keyof typeof NUMERIC_LIMITS;

const rateLimitSchema = z
  .strictObject({
    capacity: z.number().int().min(1).max(1_000_000),
    refillPerSecond: z.number().positive().max(1_000_000),
  })
  .meta({ examples: [{ capacity: 20, refillPerSecond: 5 }] });

const RATE_DEFAULTS = {
  perSender: { capacity: 20, refillPerSecond: 5 },
  perPeer: { capacity: 400, refillPerSecond: 200 },
  perRecipient: { capacity: 20, refillPerSecond: 5 },
  suspiciousPeer: { capacity: 1, refillPerSecond: 1 },
} as const;

type RateLimitName = keyof typeof RATE_DEFAULTS;

function shapeOf<K extends string, T>(keys: readonly K[], make: (key: K) => T): { [P in K]: T } {
  return Object.fromEntries(keys.map((key) => [key, make(key)])) as { [P in K]: T };
}

const NUMERIC_NAMES = Object.keys(NUMERIC_LIMITS) as NumericLimit[];
const RATE_NAMES = Object.keys(RATE_DEFAULTS) as RateLimitName[];
const numberIn = (limit: NumericLimit) => z.number().int().min(NUMERIC_LIMITS[limit][0]).max(NUMERIC_LIMITS[limit][1]);
const overLimitStatus = z.union([z.literal(503), z.literal(403)]);
/** M4 and S2 default to limits.maxMessageBytes and limits.maxRecordRouteBytes. */
const sizeOverrides = {
  maxMessageBytes: z.number().int().min(512).max(16_777_216).optional(),
  maxRecordRouteBytes: z.number().int().min(128).max(65_536).optional(),
};

const limitDefaultsShape = {
  ...shapeOf(NUMERIC_NAMES, (k) => numberIn(k).default(NUMERIC_LIMITS[k][2])),
  ...shapeOf(RATE_NAMES, (k) => rateLimitSchema.default(RATE_DEFAULTS[k])),
  confidential: z.boolean().default(false),
  overLimitStatus: overLimitStatus.default(503),
  ...sizeOverrides,
};

const limitOverridesShape = {
  ...shapeOf(NUMERIC_NAMES, (k) => numberIn(k).optional()),
  ...shapeOf(RATE_NAMES, () => rateLimitSchema.optional()),
  confidential: z.boolean().optional(),
  overLimitStatus: overLimitStatus.optional(),
  ...sizeOverrides,
};

const policyLimitsSchema = section(z.strictObject(limitDefaultsShape));
const limitOverridesSchema = z.strictObject(limitOverridesShape);

/** P7-P9, X3: the subscription dialogs the edge tracks (docs/POLICY.md, "Subscription dialogs"). */
const subscriptionsSchema = section(
  z.strictObject({
    /** Y4: a ceiling on tracked dialogs (about 150 bytes of heap each); beyond it new ones cross untracked. */
    maxDialogs: z.number().int().min(1000).max(10_000_000).default(2_000_000),
    /** P9 (003 §10.3): a subscription not renewed by a fresh SUBSCRIBE this long is revalidated (45 days). */
    revalidateAfterSeconds: z
      .number()
      .int()
      .min(3600)
      .max(365 * DAY_S)
      .default(45 * DAY_S),
  }),
);

const ruleModeSchema = z.enum(['enforce', 'shadow', 'off']);

export const policySchema = section(
  z.strictObject({
    /** How every rule runs unless `rules` names it (`off` turns the whole border policy off). */
    mode: z.enum(['enforce', 'shadow', 'off']).default('enforce'),
    /** Per rule name (see docs/POLICY.md): enforce, shadow or off. */
    rules: z.record(z.string(), ruleModeSchema).default({}),
    /** P3: addresses with no presence or IM (distribution lists): 604 for everyone. */
    noPresenceAddresses: z.array(z.string().min(3)).default([]),
    /** X2: the header that carries a user's trust level across the border. */
    trustHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .default('X-Trust-Level'),
    limits: policyLimitsSchema,
    subscriptions: subscriptionsSchema,
    /** Y1: what a peer without an agreement gets instead of `limits`. */
    discovered: limitOverridesSchema.default({
      perPeer: { capacity: 20, refillPerSecond: 20 },
      suspiciousPeer: { capacity: 1, refillPerSecond: 1 },
      maxDistinctRecipientsPerPeer: 1000,
    }),
  }),
);

/** A SHA-256 digest of a certificate's SubjectPublicKeyInfo, base64 (the RFC 7469 pin-sha256 form). */
const SPKI_PIN = /^[A-Za-z0-9+/]{43}=$/;

/** F2, G1: what a peer's certificate must also satisfy beyond chaining to tls.ca. */
const trustSchema = z
  .strictObject({
    /** Pinned keys: a flow claiming this peer whose certificate key is not listed is refused. Empty: no pin. */
    spki: z
      .array(
        z.string().superRefine((value, ctx) => {
          if (!SPKI_PIN.test(value)) {
            refuse(
              ctx,
              `\`${value}\` is not a base64 SHA-256 SPKI digest`,
              'write 44 base64 characters, e.g. from `openssl x509 -pubkey -noout -in peer.pem | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`',
            );
          }
        }),
      )
      .default([]),
  })
  .default({ spki: [] });

/** G1: one peer community's agreement. */
export const agreementSchema = z.strictObject({
  peer: domainNameField(),
  /** Overrides of policy.limits for this peer. */
  limits: limitOverridesSchema.default({}),
  /** X2: the peer asserts its users' trust levels; its trust header is kept. */
  assertsTrust: z.boolean().default(false),
  /** F7: other domains this peer's edge may speak for. */
  speaksFor: z.array(domainNameField()).default([]),
  /** F4: connections the edge opens to this peer; default limits.maxFlowsPerPeer. */
  maxFlows: z.number().int().min(1).max(10_000).optional(),
  /** F4: connections this peer may open to the edge; default limits.maxInboundFlowsPerPeer. */
  maxInboundFlows: z.number().int().min(1).max(10_000).optional(),
  trust: trustSchema,
});

export const agreementsSchema = z.array(agreementSchema).default([]);

export type PolicyConfig = z.infer<typeof policySchema>;
export type Agreement = z.infer<typeof agreementSchema>;
export type LimitOverrides = z.infer<typeof limitOverridesSchema>;

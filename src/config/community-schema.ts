// The built-in community components (SPEC I2): the registrar's digest authentication and
// binding limits, the presence server's subscription limits and who outside may watch, and the IM
// modes the community accepts (M2). Unused when `internal` names external servers.
import { z } from 'zod';
import { boundedInt } from './bounded-int.js';
import { section } from './section.js';

export const DIGEST_ALGORITHMS = ['SHA-256', 'MD5'] as const;
export const IM_MODES = ['page', 'session'] as const;
export const EXTERNAL_WATCHER_POLICIES = ['allow', 'allow-list', 'deny'] as const;

const registrarSchema = section(
  z.strictObject({
    /**
     * RFC 8760 §2.4: one challenge per algorithm, in this order of preference. MD5 alone by default:
     * Debian's clients cannot take a SHA-256 challenge beside it (SIPp 3.6 reads only the first and
     * fails on SHA-256; baresip 1.0 gives up on the whole response), and a client that follows RFC
     * 8760 takes the first it supports, so listing MD5 first would gain nothing. A community of RFC 8760
     * clients sets [SHA-256, MD5].
     */
    digestAlgorithms: z.array(z.enum(DIGEST_ALGORITHMS)).min(1).default(['MD5']),
    /** The digest realm; null takes the first of `domains`. */
    realm: z.string().min(1).nullable().default(null),
    nonceLifetimeSeconds: boundedInt({ min: 10, max: 86_400, default: 300 }),
    minExpiresSeconds: boundedInt({ min: 1, max: 86_400, default: 60 }),
    maxExpiresSeconds: boundedInt({ min: 60, max: 604_800, default: 3600 }),
    defaultExpiresSeconds: boundedInt({ min: 1, max: 604_800, default: 3600 }),
    maxBindingsPerAddress: boundedInt({ min: 1, max: 100, default: 10 }),
  }),
);

const presenceSchema = section(
  z.strictObject({
    minExpiresSeconds: boundedInt({ min: 1, max: 86_400, default: 60 }),
    maxExpiresSeconds: boundedInt({ min: 60, max: 604_800, default: 3600 }),
    defaultExpiresSeconds: boundedInt({ min: 1, max: 604_800, default: 3600 }),
    /** Watchers from other domains: every one, those listed per presentity, or none. */
    externalWatchers: z.enum(EXTERNAL_WATCHER_POLICIES).default('allow'),
    /** allow-list mode: presentity address → addresses (or `*@domain`) that may watch it. */
    allowedWatchers: z.record(z.string(), z.array(z.string())).default({}),
    maxPublicationsPerPresentity: boundedInt({ min: 1, max: 100, default: 10 }),
    maxSubscriptionsPerPresentity: boundedInt({ min: 1, max: 100_000, default: 1000 }),
  }),
);

export const communitySchema = section(
  z.strictObject({
    /** A YAML file of users (address and password) loaded into the directory at start; null: the store alone. */
    usersFile: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .meta({ examples: ['config/users.yaml'] }),
    registrar: registrarSchema,
    presence: presenceSchema,
    /** M2: page mode (MESSAGE), session mode (INVITE with an m=message MSRP session). */
    imModes: z.array(z.enum(IM_MODES)).min(1).default(['page', 'session']),
    /** I4: replace internal hosts in Via, Record-Route and Contact on requests leaving the community. */
    topologyHiding: z.boolean().default(false),
    /**
     * I7: serve the web client (web/, SIP.js) on the HTTP side of the internal WebSocket listeners, for
     * trying the community from a browser and for demos. Off: those listeners answer WebSocket only.
     */
    webClient: z.boolean().default(false),
  }),
);

export type CommunityConfig = z.infer<typeof communitySchema>;

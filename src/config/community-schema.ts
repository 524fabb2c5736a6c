// The built-in community components (SPEC I2): the registrar's digest authentication and
// binding limits, the presence server's subscription limits and who outside may watch, and the IM
// modes the community accepts (M2). Unused when `internal` names external servers.
import { z } from 'zod';
import { boundedInt } from './bounded-int.js';
import type { InternalConfig } from './internal-schema.js';
import { section } from './section.js';

export const DIGEST_ALGORITHMS = ['SHA-256', 'MD5'] as const;
export const IM_MODES = ['page', 'session'] as const;
export const EXTERNAL_WATCHER_POLICIES = ['allow', 'allow-list', 'deny'] as const;
export const FORKING_MODES = ['parallel', 'sequential'] as const;
/**
 * I2, X2: the methods `community.authenticate` may name, the ones that start something outside a
 * dialog. ACK and CANCEL cannot be challenged (RFC 3261 §22.1), REGISTER has the registrar's own
 * challenge, and BYE, PRACK, UPDATE, INFO and NOTIFY travel inside dialogs, which are never challenged.
 */
export const AUTHENTICATED_METHODS = ['MESSAGE', 'SUBSCRIBE', 'PUBLISH', 'INVITE', 'REFER', 'OPTIONS'] as const;

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

/**
 * I5: how a request for a user with several bindings reaches them (RFC 3261 §16.6). parallel: every
 * binding of the highest q at once, the next q only when all of those failed; sequential: one binding
 * after another, best first. maxBranches bounds the contacts one request goes to (B4).
 */
const forkingSchema = section(
  z.strictObject({
    mode: z.enum(FORKING_MODES).default('parallel'),
    maxBranches: boundedInt({ min: 1, max: 100, default: 10 }),
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
    /** I4: keep internal hosts (Via, Record-Route, Contact) and the community's Call-IDs from peers; read at start. */
    topologyHiding: z.boolean().default(false),
    forking: forkingSchema,
    /**
     * I2, X2: methods whose requests from the internal side must carry Proxy-Authorization for the
     * registrar's realm (407 otherwise, RFC 3261 §22.3). Empty: the internal side is trusted by address.
     */
    authenticate: z
      .array(z.enum(AUTHENTICATED_METHODS))
      .default([])
      .superRefine((methods, ctx) => {
        methods.forEach((method, index) => {
          if (methods.indexOf(method) !== index)
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `repeats \`${method}\``,
              params: { fix: 'list each method once' },
            });
        });
      })
      .meta({ examples: [['MESSAGE', 'SUBSCRIBE', 'PUBLISH']] }),
    /**
     * I7: serve the web client (web/, SIP.js) on the HTTP side of the internal WebSocket listeners, for
     * trying the community from a browser and for demos. Off: those listeners answer WebSocket only.
     */
    webClient: z.boolean().default(false),
  }),
);

export type CommunityConfig = z.infer<typeof communitySchema>;
export type ForkingConfig = CommunityConfig['forking'];

/**
 * I2: the credentials `community.authenticate` asks for are checked against the built-in user
 * directory, which exists only while `internal` names a built-in component.
 */
export function checkAuthenticationDirectory(
  config: { readonly community: { readonly authenticate: readonly string[] }; readonly internal: InternalConfig },
  ctx: z.RefinementCtx,
): void {
  if (config.community.authenticate.length === 0) return;
  if (config.internal.registrar === 'builtin' || config.internal.presence === 'builtin') return;
  ctx.addIssue({
    code: 'custom',
    path: ['community', 'authenticate'],
    message: 'needs the built-in user directory, but `internal` names external servers for the registrar and presence',
    params: {
      fix: 'set `internal.registrar: builtin`, or leave `community.authenticate` empty and authenticate in your own proxy',
    },
  });
}

/**
 * I7: the web client is served on the internal WebSocket listener's HTTP server and signs in over
 * it; without a `ws` or `wss` listener it has nowhere to be.
 */
export function checkWebClientListener(
  config: {
    readonly community: { readonly webClient: boolean };
    readonly listen: { readonly internal: ReadonlyArray<{ readonly transport: string }> };
  },
  ctx: z.RefinementCtx,
): void {
  if (!config.community.webClient) return;
  if (config.listen.internal.some((listener) => listener.transport === 'ws' || listener.transport === 'wss')) return;
  ctx.addIssue({
    code: 'custom',
    path: ['community', 'webClient'],
    message: 'is served on an internal WebSocket listener, but `listen.internal` has no `ws` or `wss` entry',
    params: {
      fix: 'add `{ transport: wss, address: …, port: 8443 }` (or `ws` on loopback) to `listen.internal`, or set `community.webClient: false`',
    },
  });
}

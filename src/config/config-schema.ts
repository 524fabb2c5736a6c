// The whole edge configuration (SPEC O1): one YAML document, validated at start-up. Sections live in
// their own files; every object is strict, so a misspelt key is an error rather than a silent
// default.
import { z } from 'zod';
import { adminSchema } from './admin-schema.js';
import { auditSchema } from './audit-schema.js';
import { checkAuthenticationDirectory, checkWebClientListener, communitySchema } from './community-schema.js';
import { discoverySchema } from './discovery-schema.js';
import { internalSchema } from './internal-schema.js';
import { limitsSchema } from './limits-schema.js';
import { listenSchema } from './listen-schema.js';
import { policyDocumentConfigSchema } from './policy-document-schema.js';
import { agreementsSchema, policySchema } from './policy-schema.js';
import { domainNameField } from './network-fields.js';
import { routesSchema } from './routes-schema.js';
import { section } from './section.js';
import { stateSchema } from './state-schema.js';
import { tlsSchema } from './tls-schema.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

const logSchema = section(
  z.strictObject({
    level: z.enum(LOG_LEVELS).default('info'),
  }),
);

export const configSchema = z
  .strictObject({
    /** The community domains this edge serves; requests for any other domain go to peers. */
    domains: z
      .array(domainNameField())
      .min(1)
      .meta({ examples: [['a.example.com']] }),
    listen: listenSchema,
    tls: tlsSchema,
    limits: limitsSchema,
    routes: routesSchema,
    discovery: discoverySchema,
    internal: internalSchema,
    community: communitySchema,
    policy: policySchema,
    agreements: agreementsSchema,
    policyDocument: policyDocumentConfigSchema,
    state: stateSchema,
    admin: adminSchema,
    audit: auditSchema,
    log: logSchema,
  })
  .superRefine((config, ctx) => {
    config.domains.forEach((domain, index) => {
      if (config.domains.indexOf(domain) !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['domains', index],
          message: `repeats \`${domain}\``,
          params: { fix: 'list each domain once' },
        });
      }
    });
    checkDiscoveryLists(config, ctx);
    checkAuthenticationDirectory(config, ctx);
    checkWebClientListener(config, ctx);
  });

interface DomainLists {
  readonly domains: readonly string[];
  readonly routes: ReadonlyArray<{ readonly domain: string; readonly identity?: readonly string[] | undefined }>;
  readonly discovery: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly agreements: ReadonlyArray<{ readonly peer: string }>;
}

// D1, G1: a domain is ours, allowed or denied, never two of those at once; an agreement is with a peer.
function checkDiscoveryLists(config: DomainLists, ctx: z.RefinementCtx): void {
  const own = new Set(config.domains);
  const routed = new Set(config.routes.map((route) => route.domain));
  const denied = new Set(config.discovery.deny);
  const ours = (list: string) => ({
    within: own,
    message: "is one of this edge's own domains",
    fix: `remove it from ${list}`,
  });
  checkList(ctx, (i) => ['discovery', 'deny', i], config.discovery.deny, [
    ours('discovery.deny'),
    { within: routed, message: 'also has a static route in routes', fix: 'remove the static route or the deny entry' },
  ]);
  checkList(ctx, (i) => ['discovery', 'allow', i], config.discovery.allow, [
    ours('discovery.allow'),
    { within: denied, message: 'is also in discovery.deny', fix: 'keep it in one of the two lists' },
  ]);
  config.agreements.forEach(({ peer }, index) =>
    checkList(
      ctx,
      () => ['agreements', index, 'peer'],
      [peer],
      [
        { ...ours(''), fix: 'name a peer community' },
        { within: denied, message: 'is also in discovery.deny', fix: 'remove the agreement or the deny entry' },
      ],
    ),
  );
  // A peer's certificate must never stand for this community: that would let it speak as us (F7).
  config.routes.forEach((route, index) =>
    checkList(ctx, (at) => ['routes', index, 'identity', at], route.identity ?? [], [
      { ...ours(''), fix: "list the names the peer edge's certificate carries" },
    ]),
  );
}

interface ListConflict {
  readonly within: ReadonlySet<string>;
  readonly message: string;
  readonly fix: string;
}

/** Each entry is reported at its path with the first conflict it meets. */
function checkList(
  ctx: z.RefinementCtx,
  pathOf: (index: number) => Array<string | number>,
  entries: readonly string[],
  conflicts: readonly ListConflict[],
): void {
  entries.forEach((entry, index) => {
    const found = conflicts.find((candidate) => candidate.within.has(entry));
    if (found !== undefined) conflict(ctx, pathOf(index), `\`${entry}\` ${found.message}`, found.fix);
  });
}

function conflict(ctx: z.RefinementCtx, path: Array<string | number>, message: string, fix: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: { fix } });
}

export type EdgeConfig = z.infer<typeof configSchema>;

// The federation policy document (SPEC G2): what this edge publishes about its community, where, and
// how it learns its peers'. The document itself is written from `policy` (policy-document.ts).
import { z } from 'zod';
import { boundedInt } from './bounded-int.js';
import { parseHostPort } from './host-port.js';
import { domainNameField, refuse } from './network-fields.js';
import { section } from './section.js';

const DEFAULT_TRUST_SEMANTICS = 'trusted: a user this community has verified; absent or any other value: non-trusted';

export const policyDocumentConfigSchema = section(
  z.strictObject({
    /** Raise it whenever the document's content changes: peers fetch again when they see a new version. */
    version: boundedInt({ min: 0, max: 2_147_483_647, default: 1 }),
    /** Optional; docs/OPERATIONS.md weighs publishing it (003 §10.5). */
    adminContact: z
      .string()
      .min(3)
      .nullable()
      .default(null)
      .meta({ examples: ['sip:federation-admin@a.example.com'] }),
    /** X2: what the values of policy.trustHeader mean, in words. */
    trustSemantics: z.string().default(DEFAULT_TRUST_SEMANTICS),
    /** host:port of an HTTPS listener serving /.well-known/sip-federation-policy.xml with the domain's certificate; null: the admin listener serves it over HTTP only. */
    serve: z
      .string()
      .nullable()
      .default(null)
      .superRefine((value, ctx) => {
        if (value === null) return;
        const parsed = parseHostPort(value);
        if (!parsed.ok) refuse(ctx, parsed.problem, parsed.fix);
      }),
    /** Fetch each peer's document on its first connection and every refreshSeconds after. */
    fetch: z.boolean().default(true),
    refreshSeconds: boundedInt({ min: 60, max: 7 * 86_400, default: 3600 }),
    /** Where a peer's document is, when not at https://<peer>/.well-known/sip-federation-policy.xml. */
    peers: z.array(z.strictObject({ peer: domainNameField(), url: z.url() })).default([]),
  }),
);

export type PolicyDocumentConfig = z.infer<typeof policyDocumentConfigSchema>;

// The whole edge configuration (SPEC O1): one YAML document, validated at start-up. Sections live in
// their own files; every object is strict, so a misspelt key is an error rather than a silent
// default.
import { z } from 'zod';
import { adminSchema } from './admin-schema.js';
import { internalSchema } from './internal-schema.js';
import { limitsSchema } from './limits-schema.js';
import { listenSchema } from './listen-schema.js';
import { domainNameField } from './network-fields.js';
import { routesSchema } from './routes-schema.js';
import { section } from './section.js';
import { stateSchema } from './state-schema.js';
import { tlsSchema } from './tls-schema.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

const logSchema = section(z.strictObject({
  level: z.enum(LOG_LEVELS).default('info'),
}));

export const configSchema = z.strictObject({
  /** The community domains this edge serves; requests for any other domain go to peers. */
  domains: z.array(domainNameField()).min(1).meta({ examples: [['a.example.com']] }),
  listen: listenSchema,
  tls: tlsSchema,
  limits: limitsSchema,
  routes: routesSchema,
  internal: internalSchema,
  state: stateSchema,
  admin: adminSchema,
  log: logSchema,
}).superRefine((config, ctx) => {
  config.domains.forEach((domain, index) => {
    if (config.domains.indexOf(domain) !== index) {
      ctx.addIssue({
        code: 'custom', path: ['domains', index],
        message: `repeats \`${domain}\``,
        params: { fix: 'list each domain once' },
      });
    }
  });
});

export type EdgeConfig = z.infer<typeof configSchema>;

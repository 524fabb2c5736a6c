// The admin HTTP listener (/metrics, /healthz, /admin/*). Loopback by default: it exposes state an
// outsider should not read.
import { z } from 'zod';
import { parseHostPort } from './host-port.js';
import { refuse } from './network-fields.js';
import { section } from './section.js';

export const adminSchema = section(
  z.strictObject({
    listen: z
      .string()
      .default('127.0.0.1:9060')
      .superRefine((value, ctx) => {
        const parsed = parseHostPort(value);
        if (!parsed.ok) refuse(ctx, parsed.problem, parsed.fix);
      }),
    /** Bearer token for /admin/*; null leaves the admin API closed to every request. */
    token: z.string().min(1).nullable().default(null),
  }),
);

export type AdminConfig = z.infer<typeof adminSchema>;

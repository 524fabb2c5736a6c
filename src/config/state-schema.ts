// Where shared state lives (bindings, rate counters, 4xx memory): SQLite for one process, Redis when
// several processes or hosts share it, memory for tests.
import { z } from 'zod';
import { section } from './section.js';

export const STATE_BACKENDS = ['sqlite', 'memory', 'redis'] as const;

export const stateSchema = section(
  z
    .strictObject({
      backend: z.enum(STATE_BACKENDS).default('sqlite'),
      /** The SQLite file; a relative path written in the file is read from its directory, the default from the working directory (config-paths.ts). */
      path: z.string().min(1).default('var/state.db'),
      redisUrl: z
        .string()
        .min(1)
        .nullable()
        .default(null)
        .meta({ examples: ['redis://127.0.0.1:6379'] }),
    })
    .superRefine((state, ctx) => {
      if (state.backend === 'redis' && state.redisUrl === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['redisUrl'],
          message: 'is required when state.backend is `redis`',
          params: {
            fix: 'set state.redisUrl to the Redis address, such as redis://127.0.0.1:6379, or choose state.backend `sqlite`',
          },
        });
      }
    }),
);

export type StateConfig = z.infer<typeof stateSchema>;

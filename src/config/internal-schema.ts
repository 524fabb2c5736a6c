// The community's own servers behind the edge: the built-in ones, or external servers the edge
// forwards to (MESSAGE and REGISTER to the registrar, SUBSCRIBE and PUBLISH to presence).
import { z } from 'zod';
import { boundedInt } from './bounded-int.js';
import { section } from './section.js';
import { targetList } from './target-schema.js';

function componentField() {
  return z
    .union([z.literal('builtin'), targetList()])
    .default('builtin')
    .meta({
      expected: '`builtin` or a list of targets',
      examples: ['builtin', [{ host: '10.0.0.5', port: 5060, transport: 'tcp' }]],
    });
}

/** RFC 3327 Path on REGISTERs relayed to an external registrar (SPEC I6, docs/OPERATIONS.md). */
export const PATH_MODES = ['off', 'when-supported', 'required'] as const;
export type PathMode = (typeof PATH_MODES)[number];

/** SPEC I6: RFC 5626 outbound on the built-in registrar, RFC 3327 Path towards an external one. */
const outboundSchema = section(
  z.strictObject({
    /** RFC 5626 §4.4.1: the Flow-Timer (seconds between a client's keepalives) in the built-in registrar's 200. */
    flowTimerSeconds: boundedInt({ min: 10, max: 3600, default: 120 }),
    /**
     * `when-supported`: Path for a client that sends `Supported: path` (RFC 3327 §5.2); `required`: also
     * `Require: path` towards the registrar, and 421 for a client without it; `off`: never.
     */
    path: z.enum(PATH_MODES).default('when-supported'),
  }),
);

export const internalSchema = section(
  z.strictObject({
    registrar: componentField(),
    presence: componentField(),
    outbound: outboundSchema,
  }),
);

export type InternalConfig = z.infer<typeof internalSchema>;

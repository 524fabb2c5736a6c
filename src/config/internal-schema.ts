// The community's own servers behind the edge: the built-in ones, or external servers the edge
// forwards to (MESSAGE and REGISTER to the registrar, SUBSCRIBE and PUBLISH to presence).
import { z } from 'zod';
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

export const internalSchema = section(
  z.strictObject({
    registrar: componentField(),
    presence: componentField(),
  }),
);

export type InternalConfig = z.infer<typeof internalSchema>;

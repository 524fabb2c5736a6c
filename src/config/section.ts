// A configuration section whose keys all have defaults. An operator who writes the heading and
// comments out every key (`limits:` followed by nothing) gets YAML null: that means "the defaults",
// as leaving the section out does, rather than a type error.
import { z } from 'zod';

export function section<T extends z.ZodType<unknown, object>>(schema: T) {
  return z.preprocess((value) => value ?? undefined, schema.prefault({} as z.input<T>));
}

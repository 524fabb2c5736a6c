// Every numeric limit is a whole number with a range and a default (STYLE rule 7), declared in one
// line so the range is visible where the limit is named and the problem report can quote it.
import { z } from 'zod';

export interface IntRange {
  min: number;
  max: number;
  default: number;
}

export function boundedInt(range: IntRange) {
  if (range.default < range.min || range.default > range.max) {
    // A programming error in the schema itself: fail at import, not in an operator's face.
    throw new RangeError(`default ${range.default} lies outside ${range.min}..${range.max}`);
  }
  return z.number().int().min(range.min).max(range.max).default(range.default);
}

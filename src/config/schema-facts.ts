// What the schema says about one key path: the facts a problem report quotes (allowed keys, range,
// choices, an example). Reading the schema, rather than repeating those facts in messages, keeps
// the messages right when a later feature adds a key or moves a range.
import { stringify } from 'yaml';
import { z } from 'zod';

export interface SchemaFacts {
  /** The keys an object accepts; empty for anything else. */
  keys: string[];
  min?: number;
  max?: number;
  integer: boolean;
  /** Enum or literal choices. */
  choices: readonly unknown[];
  /** From the schema's metadata, else its default; the first is the one to quote. */
  examples: unknown[];
  /** A phrase for what a union accepts, from the schema's metadata. */
  expected?: string;
}

interface ConfigMeta {
  examples?: unknown[];
  expected?: string;
}

type Path = readonly PropertyKey[];

export function schemaFactsAt(root: z.core.$ZodType, path: Path): SchemaFacts {
  const facts = emptyFacts();
  let schema: z.core.$ZodType | undefined = peel(root, facts);
  for (const step of path) {
    if (schema === undefined) break;
    Object.assign(facts, emptyFacts());
    schema = stepInto(schema, step);
    if (schema !== undefined) schema = peel(schema, facts);
  }
  if (schema !== undefined) readCore(schema, facts);
  return facts;
}

/** Writes a value as a one-line YAML flow, the way an operator would type it in the file. */
export function asYaml(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trim();
}

// Through defaults, nullables and pipes to the schema that does the checking, collecting the
// outermost example and the default on the way.
function peel(schema: z.core.$ZodType, facts: SchemaFacts): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const meta = z.globalRegistry.get(current) as ConfigMeta | undefined;
    if (facts.examples.length === 0 && meta?.examples !== undefined) facts.examples = [...meta.examples];
    facts.expected ??= meta?.expected;
    if (current instanceof z.ZodDefault) {
      if (facts.examples.length === 0) facts.examples = [current.def.defaultValue];
      current = current.def.innerType as z.core.$ZodType;
    } else if (
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.def.innerType as z.core.$ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = (current.def.in instanceof z.ZodTransform ? current.def.out : current.def.in) as z.core.$ZodType;
    } else {
      return current;
    }
  }
}

function stepInto(schema: z.core.$ZodType, step: PropertyKey): z.core.$ZodType | undefined {
  if (schema instanceof z.ZodObject) return typeof step === 'string' ? schema.shape[step] : undefined;
  if (schema instanceof z.ZodArray) return typeof step === 'number' ? schema.element : undefined;
  if (schema instanceof z.ZodUnion) {
    // The option that has somewhere to go: a list for an index, an object for a key.
    for (const option of schema.options as z.core.$ZodType[]) {
      const next = stepInto(peel(option, emptyFacts()), step);
      if (next !== undefined) return next;
    }
  }
  return undefined;
}

function readCore(schema: z.core.$ZodType, facts: SchemaFacts): void {
  if (schema instanceof z.ZodObject) facts.keys = Object.keys(schema.shape);
  if (schema instanceof z.ZodNumber) {
    facts.min = schema.minValue ?? undefined;
    facts.max = schema.maxValue ?? undefined;
    facts.integer = schema.isInt;
  }
  if (schema instanceof z.ZodEnum) facts.choices = schema.options;
  if (schema instanceof z.ZodLiteral) facts.choices = [...schema.values];
  if (schema instanceof z.ZodArray && facts.examples.length === 0) {
    const element = schemaFactsAt(schema.element, []).examples[0];
    if (element !== undefined) facts.examples = [[element]];
  }
}

function emptyFacts(): SchemaFacts {
  return { keys: [], integer: false, choices: [], examples: [], expected: undefined };
}

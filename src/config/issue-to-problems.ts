// Turns zod's validation issues into ConfigProblems: one function per kind of mistake, each naming
// what is wrong and what to write instead, with ranges, choices and keys read from the schema.
import type { z } from 'zod';
import { formatKeyPath, type ConfigProblem } from './config-problem.js';
import { describeExpected, describeValue } from './describe-value.js';
import { nearestKey } from './nearest-key.js';
import { asYaml, schemaFactsAt } from './schema-facts.js';

type Issue = z.core.$ZodIssue;
type Path = (string | number)[];
export type UnlocatedProblem = Omit<ConfigProblem, 'source' | 'key' | 'line' | 'column'>;

export interface IssueContext {
  schema: z.core.$ZodType;
  /** The document as parsed from YAML, before validation. */
  input: unknown;
}

export function issueToProblems(issue: Issue, context: IssueContext, prefix: Path = []): UnlocatedProblem[] {
  const path = [...prefix, ...issue.path.map(toStep)];
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && isMissing(context.input, path)) {
    return [missingKey(path, context)];
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKey([...path, key], context));
    case 'invalid_type':
      return [wrongType(issue, path, context)];
    case 'invalid_value':
      return [notAChoice(issue, path)];
    case 'too_big':
    case 'too_small':
      return [outOfRange(issue, path, context)];
    case 'invalid_union':
      return unionMismatch(issue, path, context);
    case 'custom':
      return [
        {
          path,
          problem: issue.message,
          fix: String(issue.params?.fix ?? 'see config/default.yaml for a valid example'),
        },
      ];
    default:
      return [{ path, problem: lowerFirst(issue.message), fix: 'see config/default.yaml for a valid example' }];
  }
}

function unknownKey(path: Path, context: IssueContext): UnlocatedProblem {
  const key = String(path.at(-1));
  const parent = path.slice(0, -1);
  const allowed = schemaFactsAt(context.schema, parent).keys;
  const where = parent.length === 0 ? 'at the top level' : `in ${formatKeyPath(parent)}`;
  const list = `the keys allowed ${where} are ${allowed.join(', ')}`;
  const suggestion = nearestKey(key, allowed);
  return {
    path,
    problem: 'unknown key',
    fix: suggestion === undefined ? `remove it; ${list}` : `did you mean \`${suggestion}\`? (${list})`,
  };
}

function missingKey(path: Path, context: IssueContext): UnlocatedProblem {
  const key = String(path.at(-1));
  const parent = path.slice(0, -1);
  const facts = schemaFactsAt(context.schema, path);
  const example = facts.examples[0] ?? facts.choices[0];
  const line = example === undefined ? `\`${key}\`` : `\`${key}: ${asYaml(example)}\``;
  return {
    path,
    problem: 'missing required key',
    fix: `add ${line}${parent.length === 0 ? '' : ` under ${formatKeyPath(parent)}`}`,
  };
}

function wrongType(
  issue: Extract<Issue, { code: 'invalid_type' }>,
  path: Path,
  context: IssueContext,
): UnlocatedProblem {
  const facts = schemaFactsAt(context.schema, path);
  const problem = `expected ${describeExpected(issue.expected)}, got ${describeValue(issue.input)}`;
  const example = suchAs(facts.examples[0]);
  switch (issue.expected) {
    case 'number':
    case 'int': {
      const range =
        facts.min === undefined || facts.max === undefined ? '' : ` (between ${facts.min} and ${facts.max})`;
      const kind = facts.integer ? 'whole number' : 'number';
      // `port: "5060"`: YAML made a string of a quoted number.
      if (typeof issue.input === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(issue.input)) {
        return { path, problem, fix: `write ${issue.input.trim()} without quotes, as a ${kind}${range}` };
      }
      return { path, problem, fix: `write a ${kind}${example}${range}` };
    }
    case 'object':
      return {
        path,
        problem,
        fix: `write a mapping with keys from ${facts.keys.join(', ')}${issue.input === null ? ', or remove the line' : ''}`,
      };
    case 'array':
      return { path, problem, fix: `write a list${example}` };
    default:
      return { path, problem, fix: `write ${describeExpected(issue.expected)}${example}` };
  }
}

function notAChoice(issue: Extract<Issue, { code: 'invalid_value' }>, path: Path): UnlocatedProblem {
  const choices = issue.values.map(String);
  const list = choices.join(', ');
  const suggestion = typeof issue.input === 'string' ? nearestKey(issue.input, choices) : undefined;
  const caseOnly = suggestion?.toLowerCase() === String(issue.input).toLowerCase();
  const hint =
    suggestion === undefined
      ? ''
      : ` (did you mean \`${suggestion}\`?${caseOnly ? ' choices are case-sensitive' : ''})`;
  return {
    path,
    problem: `expected one of ${list}, got ${describeValue(issue.input)}`,
    fix: `use one of: ${list}${hint}`,
  };
}

function outOfRange(
  issue: Extract<Issue, { code: 'too_big' | 'too_small' }>,
  path: Path,
  context: IssueContext,
): UnlocatedProblem {
  const facts = schemaFactsAt(context.schema, path);
  const big = issue.code === 'too_big';
  const bound = Number(big ? issue.maximum : issue.minimum);
  if (issue.origin === 'string')
    return { path, problem: 'must not be empty', fix: `write a value${suchAs(facts.examples[0])}` };
  if (issue.origin === 'array') {
    const element = schemaFactsAt(context.schema, [...path, 0]).examples[0];
    const problem = big
      ? `must list at most ${bound}`
      : `must list at least ${bound} ${bound === 1 ? 'entry' : 'entries'}, got ${describeValue(issue.input)}`;
    return { path, problem, fix: big ? `remove entries down to ${bound}` : `add an entry${suchAs(element)}` };
  }
  const problem = `must be at ${big ? 'most' : 'least'} ${bound}, got ${String(issue.input)}`;
  const fix =
    facts.min !== undefined && facts.max !== undefined
      ? `use a value between ${facts.min} and ${facts.max}`
      : `use a value ${big ? 'no more' : 'no less'} than ${bound}`;
  return { path, problem, fix };
}

// A union fails as a whole. If one alternative got past the type check (its issues lie deeper than
// the union), the input was meant as that alternative: report its own issues. Otherwise say what
// the union accepts.
function unionMismatch(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  path: Path,
  context: IssueContext,
): UnlocatedProblem[] {
  const deeper = issue.errors.filter((branch) => branch.some((inner) => inner.path.length > 0));
  if (deeper.length === 1 && deeper[0] !== undefined) {
    return deeper[0].flatMap((inner) => issueToProblems(inner, context, path));
  }
  const { expected, examples } = schemaFactsAt(context.schema, path);
  return [
    {
      path,
      problem: `expected ${expected ?? 'another form of value'}, got ${describeValue(issue.input)}`,
      fix:
        examples.length === 0
          ? 'see config/default.yaml for a valid example'
          : `write ${examples.map((example) => `\`${asYaml(example)}\``).join(' or ')}`,
    },
  ];
}

function isMissing(input: unknown, path: Path): boolean {
  let node = input;
  for (const [index, step] of path.entries()) {
    if (node === null || typeof node !== 'object') return false;
    if (!Object.hasOwn(node, step)) return index === path.length - 1;
    node = (node as Record<string | number, unknown>)[step];
  }
  return false;
}

function suchAs(example: unknown): string {
  return example === undefined ? '' : ` such as ${asYaml(example)}`;
}

function toStep(step: PropertyKey): string | number {
  return typeof step === 'number' ? step : String(step);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

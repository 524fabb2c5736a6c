// A YAML syntax error as a ConfigProblem. The yaml package's pretty message repeats the position and
// quotes the source; we keep its first sentence and give line and column as fields instead.
import type { YAMLError } from 'yaml';
import type { ConfigProblem } from './config-problem.js';

const FIXES: Record<string, string> = {
  DUPLICATE_KEY: 'keep one of the repeated keys and remove the other',
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs for indentation',
  BAD_INDENT: 'indent the line to match its siblings, and close every [ and { on the line it belongs to',
  MISSING_CHAR: 'add the missing closing character (a quote, ] or })',
  BLOCK_AS_IMPLICIT_KEY: 'put a nested mapping on its own, more indented lines, or quote a value that contains `: `',
  MULTILINE_IMPLICIT_KEY: 'keep each key and its colon on one line; quote a value that contains `: `',
};
const DEFAULT_FIX =
  'correct the YAML at that position; a common cause is a missing space after a colon or uneven indentation';

export function yamlSyntaxProblem(error: YAMLError, source: string): ConfigProblem {
  const firstLine = error.message.split('\n')[0] ?? error.message;
  const problem = `YAML syntax error: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}`;
  const position = error.linePos?.[0];
  return {
    source,
    key: '',
    path: [],
    problem,
    fix: FIXES[error.code] ?? DEFAULT_FIX,
    ...(position === undefined ? {} : { line: position.line, column: position.col }),
  };
}

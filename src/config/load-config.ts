// Reading and validating the configuration file (SPEC O1). parseConfigText never throws: it returns
// every problem at once, because an operator fixing one mistake per start-up attempt gives up.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { EdgeError } from '../errors.js';
import { formatConfigProblem, formatKeyPath, sortByLine, type ConfigProblem } from './config-problem.js';
import { configSchema, type EdgeConfig } from './config-schema.js';
import { issueToProblems } from './issue-to-problems.js';
import { YamlLocator } from './yaml-locator.js';
import { yamlSyntaxProblem } from './yaml-syntax-problem.js';

export type ConfigResult = { ok: true; config: EdgeConfig } | { ok: false; problems: ConfigProblem[] };

export function parseConfigText(text: string, sourceName: string): ConfigResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, keepSourceTokens: true });
  if (document.errors.length > 0) {
    // A document with syntax errors parses to a guess; validating the guess would mislead.
    return { ok: false, problems: document.errors.map((error) => yamlSyntaxProblem(error, sourceName)) };
  }
  // An empty file (or one that is all comments) is an empty mapping: the required keys are then missing.
  const input: unknown = document.toJS() ?? {};
  const result = configSchema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };

  const locator = new YamlLocator(document, lineCounter);
  const problems = result.error.issues
    .flatMap((issue) => issueToProblems(issue, { schema: configSchema, input }))
    .map((found): ConfigProblem => {
      const line = locator.lineOf(found.path);
      return { source: sourceName, key: formatKeyPath(found.path), ...found, ...(line === undefined ? {} : { line }) };
    });
  return { ok: false, problems: sortByLine(problems) };
}

/** Reads and validates a file; an unreadable file is a problem like any other. */
export function readConfigFile(path: string): ConfigResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problems: [
        {
          source: path,
          key: '',
          path: [],
          problem: `cannot read the file (${reason})`,
          fix: 'check the path and its permissions',
        },
      ],
    };
  }
  return parseConfigText(text, path);
}

/** For the composition root: the valid configuration, or an EdgeError CONFIG_INVALID listing every problem. */
export function loadConfig(path: string): EdgeConfig {
  const result = readConfigFile(path);
  if (result.ok) return result.config;
  throw new EdgeError('CONFIG_INVALID', result.problems.map(formatConfigProblem).join('\n'));
}

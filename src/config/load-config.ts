// Reading and validating the configuration file (SPEC O1). parseConfigText never throws: it returns
// every problem at once, because an operator fixing one mistake per start-up attempt gives up.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { EdgeError } from '../errors.js';
import { formatConfigProblem, formatKeyPath, sortByLine, type ConfigProblem } from './config-problem.js';
import { resolveWrittenPaths, type ResolvedPath } from './config-paths.js';
import { configSchema, type EdgeConfig } from './config-schema.js';
import { issueToProblems } from './issue-to-problems.js';
import { YamlLocator } from './yaml-locator.js';
import { yamlSyntaxProblem } from './yaml-syntax-problem.js';

export type ConfigResult =
  | {
      ok: true;
      config: EdgeConfig;
      /** With a base directory: the relative paths the file wrote and where they are read from. */
      relativePaths?: readonly ResolvedPath[];
    }
  | { ok: false; problems: ConfigProblem[] };

export interface ParseOptions {
  /** Relative paths written in the text are read from here (the file's directory); absent: left as written. */
  readonly baseDirectory?: string;
}

export function parseConfigText(text: string, sourceName: string, options: ParseOptions = {}): ConfigResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, keepSourceTokens: true });
  if (document.errors.length > 0) {
    // A document with syntax errors parses to a guess; validating the guess would mislead.
    return { ok: false, problems: document.errors.map((error) => yamlSyntaxProblem(error, sourceName)) };
  }
  // An empty file (or one that is all comments) is an empty mapping: the required keys are then missing.
  const input: unknown = document.toJS() ?? {};
  const result = configSchema.safeParse(input, { reportInput: true });
  if (result.success) {
    if (options.baseDirectory === undefined) return { ok: true, config: result.data };
    const paths = resolveWrittenPaths(result.data, input, options.baseDirectory);
    return { ok: true, config: paths.config, relativePaths: paths.resolved };
  }

  const locator = new YamlLocator(document, lineCounter);
  const problems = result.error.issues
    .flatMap((issue) => issueToProblems(issue, { schema: configSchema, input }))
    .map((found): ConfigProblem => {
      const line = locator.lineOf(found.path);
      return { source: sourceName, key: formatKeyPath(found.path), ...found, ...(line === undefined ? {} : { line }) };
    });
  return { ok: false, problems: sortByLine(problems) };
}

/**
 * Reads and validates a file; an unreadable file is a problem like any other. Relative paths the file
 * writes are read from its directory (config-paths.ts).
 */
export function readConfigFile(file: string): ConfigResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problems: [
        {
          source: file,
          key: '',
          path: [],
          problem: `cannot read the file (${reason})`,
          fix: 'check the path and its permissions',
        },
      ],
    };
  }
  return parseConfigText(text, file, { baseDirectory: path.dirname(path.resolve(file)) });
}

/** For the composition root: the valid configuration, or an EdgeError CONFIG_INVALID listing every problem. */
export function loadConfig(path: string): EdgeConfig {
  const result = readConfigFile(path);
  if (result.ok) return result.config;
  throw new EdgeError('CONFIG_INVALID', result.problems.map(formatConfigProblem).join('\n'));
}

// One thing wrong with a configuration file, worded for the operator who has to fix it: which key,
// what is wrong, what to write instead, and where in the file.

export interface ConfigProblem {
  /** The file (or other source) the problem is in, as the operator named it. */
  source: string;
  /** Dotted key path as the operator would name it: `listen.external[1].port`; '' for the file as a whole. */
  key: string;
  /** The same path as segments, for tools. */
  path: readonly (string | number)[];
  problem: string;
  fix: string;
  /** 1-based line in the source, when the key (or its nearest parent) could be located. */
  line?: number;
  /** 1-based column; given for YAML syntax errors. */
  column?: number;
}

export function formatKeyPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (text, step) => (typeof step === 'number' ? `${text}[${step}]` : text === '' ? step : `${text}.${step}`),
    '',
  );
}

/** `config.yaml:12: limits.maxHeaders: must be at most 1024, got 5000. Fix: use a value between 8 and 1024.` */
export function formatConfigProblem(problem: ConfigProblem): string {
  const where = [problem.source, problem.line, problem.column].filter((part) => part !== undefined).join(':');
  const key = problem.key === '' ? '' : ` ${problem.key}:`;
  return `${where}:${key} ${sentence(problem.problem)} Fix: ${sentence(problem.fix)}`;
}

function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/** Problems in file order, those without a line last; ties keep the validator's order. */
export function sortByLine(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

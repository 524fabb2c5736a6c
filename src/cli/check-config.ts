// `simple-edge check-config FILE` (SPEC O1): validate a configuration without starting anything,
// printing every problem with its line, key and fix, so a change can be checked before a restart.
import path from 'node:path';
import type { Command } from 'commander';
import { formatConfigProblem } from '../config/config-problem.js';
import type { EdgeConfig } from '../config/config-schema.js';
import { readConfigFile } from '../config/load-config.js';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-code.js';

export interface CommandContext {
  io: CliIo;
  setExitCode(code: number): void;
}

export function runCheckConfig(file: string, io: CliIo): number {
  const result = readConfigFile(file);
  if (!result.ok) {
    for (const problem of result.problems) io.err(formatConfigProblem(problem));
    return ExitCode.configInvalid;
  }
  io.out(`${file}: OK (${summarise(result.config)})`);
  const relative = result.relativePaths ?? [];
  if (relative.length > 0) {
    io.out(`relative paths are read from the file's directory, ${path.dirname(path.resolve(file))}:`);
    for (const { key, written, resolved } of relative) io.out(`  ${key}: ${written} → ${resolved}`);
  }
  return ExitCode.ok;
}

export function registerCheckConfig(program: Command, context: CommandContext): void {
  program
    .command('check-config')
    .description('validate a configuration file and print every problem with its line and fix')
    .argument('<file>', 'the YAML configuration file')
    .action((file: string) => context.setExitCode(runCheckConfig(file, context.io)));
}

function summarise(config: EdgeConfig): string {
  const listeners = config.listen.internal.length + config.listen.external.length;
  return `${count(config.domains.length, 'domain')}, ${count(listeners, 'listener')}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

// `simple-edge start [--config FILE]`: load and validate the configuration, say what the edge will
// listen on, then hand over to the serve step (serve.ts; tests plug in their own).
import { redactUrl } from '../config/redact-url.js';
import type { Command } from 'commander';
import { formatConfigProblem } from '../config/config-problem.js';
import type { EdgeConfig } from '../config/config-schema.js';
import type { Listener } from '../config/listen-schema.js';
import { readConfigFile } from '../config/load-config.js';
import { describePlaintextOptIn, plaintextPeerOptIns } from '../config/plaintext-peer-opt-ins.js';
import type { StateConfig } from '../config/state-schema.js';
import type { CommandContext } from './check-config.js';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-code.js';

export const DEFAULT_CONFIG_PATH = 'config/default.yaml';

/** Runs the edge with a valid configuration; resolves to the exit code once it stops. */
export type ServeStep = (config: EdgeConfig, context: { io: CliIo; configPath: string }) => Promise<number>;

export interface StartOptions {
  configPath: string;
  io: CliIo;
  serve: ServeStep;
}

export async function runStart(options: StartOptions): Promise<number> {
  const { configPath, io } = options;
  const result = readConfigFile(configPath);
  if (!result.ok) {
    for (const problem of result.problems) io.err(formatConfigProblem(problem));
    return ExitCode.configInvalid;
  }
  for (const line of describeStartPlan(result.config, configPath)) io.out(line);
  for (const optIn of plaintextPeerOptIns(result.config)) io.err(`warning: ${describePlaintextOptIn(optIn)}`);
  return options.serve(result.config, { io, configPath });
}

export function registerStart(program: Command, context: CommandContext & { serve: ServeStep }): void {
  program
    .command('start')
    .description('validate the configuration and start the edge')
    .option('-c, --config <file>', 'the YAML configuration file', DEFAULT_CONFIG_PATH)
    .action(async (options: { config: string }) => {
      context.setExitCode(await runStart({ configPath: options.config, io: context.io, serve: context.serve }));
    });
}

export function describeStartPlan(config: EdgeConfig, configPath: string): string[] {
  return [
    `configuration: ${configPath}`,
    `domains: ${config.domains.join(', ')}`,
    ...config.listen.internal.map((listener) => `listen internal: ${describeListener(listener)}`),
    ...config.listen.external.map((listener) => `listen external: ${describeListener(listener)}`),
    `admin: http://${config.admin.listen}`,
    `state: ${describeState(config.state)}`,
  ];
}

function describeListener(listener: Listener): string {
  const host = listener.address.includes(':') ? `[${listener.address}]` : listener.address;
  return `${listener.transport} ${host}:${listener.port}`;
}

function describeState(state: StateConfig): string {
  if (state.backend === 'sqlite') return `sqlite ${state.path}`;
  if (state.backend === 'memory') return 'memory (lost on restart)';
  return `redis ${redactUrl(state.redisUrl ?? '')}`;
}

// The CLI: one command per file, registered here. main returns the exit code rather than calling
// process.exit, so tests run it in-process and pending output is flushed before the process ends.
import { Command, CommanderError } from 'commander';
import { registerCerts } from './certs.js';
import { registerCheckConfig } from './check-config.js';
import { registerDemo } from './demo.js';
import { processIo, type CliIo } from './cli-io.js';
import { registerPolicy } from './policy-show.js';
import { registerLoadtest } from './loadtest.js';
import { packageVersion } from './package-version.js';
import { registerResolve } from './resolve.js';
import { serveEdge } from './serve.js';
import { registerStart, type ServeStep } from './start.js';
import { registerUsers } from './users.js';

export interface MainDependencies {
  io?: CliIo;
  /** What `start` runs once the configuration is valid. */
  serve?: ServeStep;
}

export async function main(argv: string[], dependencies: MainDependencies = {}): Promise<number> {
  const io = dependencies.io ?? processIo;
  let exitCode = 0;
  const context = {
    io,
    setExitCode: (code: number) => {
      exitCode = code;
    },
  };
  const program = new Command('simple-edge')
    .description('inter-domain SIP/SIMPLE edge proxy')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
    });
  registerCheckConfig(program, context);
  registerStart(program, { ...context, serve: dependencies.serve ?? serveEdge });
  registerResolve(program, context);
  registerCerts(program, context);
  registerPolicy(program, context);
  registerUsers(program, context);
  registerLoadtest(program, context);
  registerDemo(program, context);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    // Help, version and usage errors arrive as CommanderErrors carrying their exit code.
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}

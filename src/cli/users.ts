// `simple-edge users add|remove|list` (SPEC I2): the built-in registrar's user directory, in the
// state store the configuration names (SQLite by default, so the running edge sees the change at once).
// Removal tombstones the address (Y2); the edge's own removal path (Registrar.removeUser, for the admin
// API) also tells external watchers (X3), which a separate process cannot.
import type { Command } from 'commander';
import { formatConfigProblem } from '../config/config-problem.js';
import type { EdgeConfig } from '../config/config-schema.js';
import { readConfigFile } from '../config/load-config.js';
import { createCommunity, type Community } from '../community/create-community.js';
import { AddressTombstonedError, UserExistsError } from '../community/user-directory.js';
import { isEdgeError } from '../errors.js';
import { createStateStore } from '../state/create-state-store.js';
import type { CommandContext } from './check-config.js';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-code.js';
import { DEFAULT_CONFIG_PATH } from './start.js';

export type UsersAction =
  { kind: 'add'; address: string; password: string } | { kind: 'remove'; address: string } | { kind: 'list' };

export async function runUsers(action: UsersAction, options: { configPath: string; io: CliIo }): Promise<number> {
  const { io } = options;
  const loaded = readConfigFile(options.configPath);
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.err(formatConfigProblem(problem));
    return ExitCode.configInvalid;
  }
  const store = await createStateStore(loaded.config.state);
  try {
    const community = await createCommunity({ config: loaded.config, store, now: Date.now });
    return await perform(action, community, loaded.config, io);
  } catch (error) {
    if (!(error instanceof UserExistsError || error instanceof AddressTombstonedError || isEdgeError(error)))
      throw error;
    io.err(error.message);
    return ExitCode.usage;
  } finally {
    await store.close();
  }
}

async function perform(action: UsersAction, community: Community, config: EdgeConfig, io: CliIo): Promise<number> {
  switch (action.kind) {
    case 'add': {
      const user = await community.directory.add({
        address: action.address,
        password: action.password,
        realm: community.realm,
      });
      io.out(`added ${user.address} (realm ${user.realm})`);
      return ExitCode.ok;
    }
    case 'remove': {
      const existed = await community.registrar.removeUser(action.address);
      const days = Math.round(config.policy.limits.tombstoneSeconds / 86_400);
      io.out(`${existed ? 'removed' : 'no such user;'} ${action.address}: tombstoned for ${days} days (Y2)`);
      return existed ? ExitCode.ok : ExitCode.usage;
    }
    case 'list':
      for (const user of await community.directory.list())
        io.out(`${user.address}\t${user.realm}\t${new Date(user.createdAt).toISOString()}`);
      return ExitCode.ok;
  }
}

export function registerUsers(program: Command, context: CommandContext): void {
  const users = program.command('users').description("manage the built-in registrar's users");
  const run = async (action: UsersAction, options: { config: string }): Promise<void> => {
    context.setExitCode(await runUsers(action, { configPath: options.config, io: context.io }));
  };
  users
    .command('add')
    .description('add a user who may register (digest: SHA-256 and MD5)')
    .argument('<address>', 'user@domain or sip:user@domain')
    .requiredOption('-p, --password <password>', 'the digest password')
    .option('-c, --config <file>', 'the YAML configuration file', DEFAULT_CONFIG_PATH)
    .action((address: string, options: { password: string; config: string }) =>
      run({ kind: 'add', address, password: options.password }, options),
    );
  users
    .command('remove')
    .description('remove a user; the address is tombstoned (Y2)')
    .argument('<address>', 'user@domain or sip:user@domain')
    .option('-c, --config <file>', 'the YAML configuration file', DEFAULT_CONFIG_PATH)
    .action((address: string, options: { config: string }) => run({ kind: 'remove', address }, options));
  users
    .command('list')
    .description('list the users')
    .option('-c, --config <file>', 'the YAML configuration file', DEFAULT_CONFIG_PATH)
    .action((options: { config: string }) => run({ kind: 'list' }, options));
}

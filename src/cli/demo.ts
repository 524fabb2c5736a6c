// `simple-edge demo [--dir config/federation] [--no-dns]`: two communities federating on this
// machine, end to end, in one process. It starts a.example.com and b.example.net from their
// configurations (making the development certificates on first run), and — when bind9's named is
// installed — a throw-away DNS server with the federation zone so the edges find each other by
// discovery rather than static routes. Two small user agents then register, watch presence, publish
// and page across the border (demo-scenario.ts), each step printed as it happens; then everything
// stops. A step that fails, or takes longer than the limit, ends the demo with a non-zero exit code.
// With --web the script gives way to a person: both edges serve the web client (demo-web.ts), the demo
// prints where alice and bob sign in, and it runs until Ctrl-C.

import path from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { EdgeConfig } from '../config/config-schema.js';
import type { CommandContext } from './check-config.js';
import type { CliIo } from './cli-io.js';
import {
  DEMO_DOMAINS,
  DemoSetupError,
  ensureDemoCertificates,
  readDemoConfigs,
  startDemoCommunity,
  withDiscovery,
  type DemoCommunity,
} from './demo-communities.js';
import { findNamed, startDemoDnsServer } from './demo-dns-server.js';
import { runFederationScenario } from './demo-scenario.js';
import { DemoUserAgent } from './demo-user-agent.js';
import { offerWebClients, withWebClient, type WebUser } from './demo-web.js';
import { readFileSync } from 'node:fs';
import { ExitCode } from './exit-code.js';

export const DEFAULT_DEMO_DIR = 'config/federation';
/** The brief's promise to a new operator: any step longer than this is a failure, not a wait. */
export const DEMO_STEP_LIMIT_MS = 10_000;

export interface DemoOptions {
  /** Where a.example.com.yaml, b.example.net.yaml and federation.zone are. */
  readonly dir: string;
  /** Keep the static routes even when named is installed. */
  readonly dns: boolean;
  readonly io: CliIo;
  readonly stepLimitMs?: number;
  /** Serve the web client on both communities and wait for `until` instead of playing the script. */
  readonly web?: boolean;
  /** With `web`: when the demo stops (the CLI aborts it on SIGINT or SIGTERM). */
  readonly until?: AbortSignal;
}

/** What the demo started, stopped in reverse order whatever happened. */
type Stop = { readonly what: string; readonly stop: () => Promise<void> };

export async function runDemo(options: DemoOptions): Promise<number> {
  const stops: Stop[] = [];
  const limit = options.stepLimitMs ?? DEMO_STEP_LIMIT_MS;
  const step = <T>(name: string, work: () => Promise<T>): Promise<T> => withinLimit(name, limit, work);
  let code: number = ExitCode.ok;
  try {
    const communities = await startCommunities(options, stops, step);
    if (options.web === true) {
      const until = options.until ?? new AbortController().signal;
      await offerWebClients({ communities, users: webUsersOf(communities), io: options.io, until });
    } else {
      await playScenario(communities, stops, options, limit, step);
    }
  } catch (error) {
    const setup = error instanceof DemoSetupError;
    options.io.err(`demo failed${setup ? ' to start' : ''}: ${error instanceof Error ? error.message : String(error)}`);
    code = setup ? error.exitCode : ExitCode.demoFailed;
  }
  for (const { stop } of stops.reverse()) await stop().catch(() => undefined);
  if (stops.length > 0)
    options.io.out(
      `stopped: ${stops
        .map((s) => s.what)
        .reverse()
        .join(', ')}`,
    );
  if (code === ExitCode.ok)
    options.io.out(options.web === true ? 'demo stopped' : 'demo complete: the two communities federated');
  return code;
}

/** The demo's users, one per community in DEMO_DOMAINS order. */
const DEMO_USERS = ['alice', 'bob'] as const;

/** Each community's demo user, with its password and the other community's user as its buddy. */
function webUsersOf(communities: readonly DemoCommunity[]): WebUser[] {
  return communities.map((community, i) => {
    const address = `${DEMO_USERS[i]!}@${community.domain}`;
    const other = communities[1 - i]!;
    return { address, password: passwordOf(community.config, address), buddy: `${DEMO_USERS[1 - i]!}@${other.domain}` };
  });
}

async function playScenario(
  communities: readonly DemoCommunity[],
  stops: Stop[],
  options: DemoOptions,
  limit: number,
  step: <T>(name: string, work: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const [alice, bob] = await Promise.all(communities.map((c, i) => startAgent(c, DEMO_USERS[i]!, limit)));
  stops.push({
    what: 'user agents',
    stop: async () => {
      await Promise.all([alice!.close(), bob!.close()]);
    },
  });
  await runFederationScenario({ alice: alice!, bob: bob!, step, say: (line) => options.io.out(line) });
}

async function startCommunities(
  options: DemoOptions,
  stops: Stop[],
  step: <T>(name: string, work: () => Promise<T>) => Promise<T>,
): Promise<DemoCommunity[]> {
  const { io } = options;
  let configs = readDemoConfigs(options.dir);
  if (options.web === true) configs = configs.map(withWebClient);
  const certificates = ensureDemoCertificates(configs);
  // The configurations name them absolute (read from their own directory); said from here when inside.
  const fromHere = path.relative(process.cwd(), certificates.dir);
  const where = fromHere.startsWith('..') || path.isAbsolute(fromHere) ? certificates.dir : fromHere;
  io.out(
    certificates.written.length > 0
      ? `certificates: made a development CA and certificates for ${DEMO_DOMAINS.join(' and ')} in ${where}/`
      : `certificates: using the development CA and certificates in ${where}/`,
  );
  const named = options.dns ? findNamed() : undefined;
  if (named === undefined) {
    io.out(
      `DNS: ${options.dns ? 'named (bind9) is not installed, so' : '--no-dns:'} the edges reach each other by their static routes`,
    );
  } else {
    const zoneFile = path.join(options.dir, 'federation.zone');
    const dns = await step('start named', () => startDemoDnsServer({ named, zoneFile, zones: DEMO_DOMAINS }));
    stops.push({ what: 'named', stop: () => dns.stop() });
    io.out(
      `DNS: named serves ${zoneFile} on ${dns.resolver}; the edges find each other by NAPTR and SRV instead of static routes`,
    );
    configs = configs.map((config) => withDiscovery(config, dns.resolver));
  }
  const communities: DemoCommunity[] = [];
  for (const config of configs) {
    const community = await step(`start ${config.domains[0]!}`, () => startDemoCommunity(config));
    stops.push({ what: `${community.domain} edge`, stop: () => community.edge.stop(0) });
    communities.push(community);
    io.out(
      `${community.domain}: edge up, users on ${describeListeners(config.listen.internal)}, peers on ${describeListeners(config.listen.external)}`,
    );
  }
  return communities;
}

async function startAgent(community: DemoCommunity, user: string, timeoutMs: number): Promise<DemoUserAgent> {
  const address = `${user}@${community.domain}`;
  const password = passwordOf(community.config, address);
  return DemoUserAgent.start({ user, domain: community.domain, password, proxy: community.internalTcp, timeoutMs });
}

/** The demo's users are those of the community's users file; their passwords are the lab's. */
function passwordOf(config: EdgeConfig, address: string): string {
  const file = config.community.usersFile;
  if (file === null)
    throw new DemoSetupError(`${config.domains[0]!}: community.usersFile is not set, so ${address} has no password`);
  const users =
    (parse(readFileSync(file, 'utf8')) as { users?: Array<{ address?: string; password?: string }> } | null)?.users ??
    [];
  const password = users.find((u) => u.address === address)?.password;
  if (password === undefined) throw new DemoSetupError(`${file} lists no ${address}`);
  return password;
}

function describeListeners(listeners: EdgeConfig['listen']['internal']): string {
  return listeners.map((l) => `${l.transport} ${l.address}:${l.port}`).join(', ');
}

async function withinLimit<T>(name: string, limitMs: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`"${name}" took longer than ${limitMs / 1000} s`)), limitMs);
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerDemo(program: Command, context: CommandContext): void {
  program
    .command('demo')
    .description(
      'run two federating communities on this machine and show a REGISTER, presence and MESSAGE crossing between them',
    )
    .option('--dir <dir>', 'where a.example.com.yaml, b.example.net.yaml and federation.zone are', DEFAULT_DEMO_DIR)
    .option('--no-dns', 'keep the static routes even when bind9 (named) is installed')
    .option('--web', 'serve the web client on both communities and run until Ctrl-C, for chatting in a browser')
    .action(async (options: { dir: string; dns: boolean; web?: boolean }) => {
      const base = { dir: options.dir, dns: options.dns, io: context.io };
      if (options.web !== true) {
        context.setExitCode(await runDemo(base));
        return;
      }
      // --web runs until the person stops it: Ctrl-C (or SIGTERM) stops the edges in order, then exits.
      const until = new AbortController();
      const stop = (): void => until.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        context.setExitCode(await runDemo({ ...base, web: true, until: until.signal }));
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

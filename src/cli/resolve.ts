// `simple-edge resolve <sip-uri|tel-uri|+number|im:|pres:|enum:|email|domain>` (SPEC D8): runs the
// discovery the edge would run for a request and prints every step — the DNS questions, the records
// with their TTLs, the rule chosen and why — and the final ordered targets. MIMI (D7) answers for
// e-mail addresses, and for numbers and domains with --mimi.

import { isIP } from 'node:net';
import type { Command } from 'commander';
import { TimerWheel } from '../clock/timer-wheel.js';
import { formatConfigProblem } from '../config/config-problem.js';
import type { EdgeConfig } from '../config/config-schema.js';
import { discoverySchema, type DiscoveryConfig } from '../config/discovery-schema.js';
import { parseHostPort } from '../config/host-port.js';
import { readConfigFile } from '../config/load-config.js';
import { createDiscovery, type Discovery } from '../discovery/create-discovery.js';
import type { SipDestination } from '../discovery/destination-resolver.js';
import { formatServer } from '../discovery/dns-records.js';
import { DiscoveryError, isDiscoveryError } from '../discovery/discovery-error.js';
import { e164FromUri, parseE164 } from '../discovery/e164-number.js';
import { enumservicesFor } from '../discovery/enum-services.js';
import type { MimiResolution } from '../discovery/mimi-resolver.js';
import { ResolutionTrace } from '../discovery/resolution-trace.js';
import { formatUri, isSipUri, parseUri, type Uri } from '../sip/uri.js';
import type { CommandContext } from './check-config.js';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-code.js';
import { formatTargets, formatTrace } from './resolve-output.js';

export interface ResolveOptions {
  readonly input: string;
  readonly io: CliIo;
  readonly configPath?: string;
  /** The request the resolution is for: MESSAGE prefers E2U+im, SUBSCRIBE to presence E2U+pres. */
  readonly method?: string;
  readonly event?: string;
  /** host:port resolvers that replace the configured ones. */
  readonly resolvers?: readonly string[];
  /** Switch MIMI discovery on for this run. */
  readonly mimi?: boolean;
  /** Tests pass a discovery built on a fake transport. */
  readonly discovery?: Discovery;
}

type Input =
  | { readonly kind: 'uri'; readonly text: string }
  | { readonly kind: 'number'; readonly number: string }
  | { readonly kind: 'email'; readonly address: string }
  | { readonly kind: 'domain'; readonly domain: string };

const URI_SCHEMES = /^(sips?|tel|im|pres|enum):/i;

export async function runResolve(options: ResolveOptions): Promise<number> {
  const { io } = options;
  const loaded = loadDiscoveryConfig(options);
  if (!loaded.ok) return loaded.exitCode;
  const clock = new TimerWheel();
  clock.start();
  try {
    const discovery = options.discovery ?? createDiscovery(loaded.discovery, { clock });
    const method = (options.method ?? 'MESSAGE').toUpperCase();
    io.out(`resolve ${options.input} for ${method} (resolvers ${discovery.servers.map(formatServer).join(', ')})`);
    return await resolveInput(classify(options.input), { ...options, method, discovery, config: loaded.config });
  } finally {
    clock.stop();
  }
}

export function registerResolve(program: Command, context: CommandContext): void {
  program
    .command('resolve')
    .description('show how discovery resolves a SIP/tel/im/pres/enum URI, +number, e-mail address or domain (D8)')
    .argument('<target>', 'sip:…, tel:…, +E.164, im:…, pres:…, enum:…, user@domain (MIMI) or a domain')
    .option('-c, --config <file>', 'take the discovery section (and the routing policy) from this configuration')
    .option(
      '-m, --method <method>',
      'the request the resolution is for (MESSAGE prefers E2U+im, SUBSCRIBE E2U+pres)',
      'MESSAGE',
    )
    .option('-e, --event <event>', 'the Event of a SUBSCRIBE', 'presence')
    // Repeatable rather than variadic: a variadic option would take the target that follows it as one more resolver.
    .option(
      '-r, --resolver <host:port>',
      'ask this resolver instead of the configured ones; repeat for more',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--mimi', 'use MIMI discovery (D7) for numbers and domains too, even when the configuration has it off')
    .action(
      async (
        input: string,
        flags: { config?: string; method: string; event: string; resolver?: string[]; mimi?: boolean },
      ) => {
        context.setExitCode(
          await runResolve({
            input,
            io: context.io,
            method: flags.method,
            event: flags.event,
            mimi: flags.mimi === true,
            ...(flags.config === undefined ? {} : { configPath: flags.config }),
            ...(flags.resolver === undefined ? {} : { resolvers: flags.resolver }),
          }),
        );
      },
    );
}

type Loaded =
  { ok: true; discovery: DiscoveryConfig; config: EdgeConfig | undefined } | { ok: false; exitCode: number };

function loadDiscoveryConfig(options: ResolveOptions): Loaded {
  let config: EdgeConfig | undefined;
  if (options.configPath !== undefined) {
    const result = readConfigFile(options.configPath);
    if (!result.ok) {
      for (const problem of result.problems) options.io.err(formatConfigProblem(problem));
      return { ok: false, exitCode: ExitCode.configInvalid };
    }
    config = result.config;
  }
  const base = config?.discovery ?? discoverySchema.parse(undefined);
  for (const resolver of options.resolvers ?? []) {
    const parsed = parseHostPort(resolver);
    if (!parsed.ok || isIP(parsed.host) === 0) {
      options.io.err(`--resolver ${resolver}: write an IP address and port such as 127.0.0.1:53 or [::1]:53`);
      return { ok: false, exitCode: ExitCode.usage };
    }
  }
  const resolvers =
    options.resolvers !== undefined && options.resolvers.length > 0 ? [...options.resolvers] : base.resolvers;
  const mimi = { ...base.mimi, enabled: base.mimi.enabled || options.mimi === true };
  return { ok: true, discovery: { ...base, resolvers, mimi }, config };
}

function classify(text: string): Input {
  if (URI_SCHEMES.test(text)) return { kind: 'uri', text };
  if (text.startsWith('+')) return { kind: 'number', number: text };
  if (text.includes('@')) return { kind: 'email', address: text };
  return { kind: 'domain', domain: text.toLowerCase().replace(/\.$/, '') };
}

interface Run extends ResolveOptions {
  readonly method: string;
  readonly discovery: Discovery;
  readonly config: EdgeConfig | undefined;
}

async function resolveInput(input: Input, run: Run): Promise<number> {
  const trace = new ResolutionTrace();
  try {
    const destination = await toDestination(input, run, trace);
    const own = run.config?.domains.map((d) => d.toLowerCase()).includes(destination.domain) === true;
    if (own) {
      // The path the running edge takes (I1, I2): its own domains never go to DNS targets.
      printLines(run.io, formatTrace(trace.steps));
      run.io.out(`Request-URI: ${destination.requestUri ?? formatUri(destination.uri)}`);
      run.io.out(`route: ${communityPath(run.config!, run.method, run.event)}`);
      return ExitCode.ok;
    }
    const targets = await run.discovery.destinations.locate(destination, trace);
    printLines(run.io, formatTrace(trace.steps));
    run.io.out(
      `Request-URI: ${destination.requestUri ?? (input.kind === 'uri' ? input.text : formatUri(destination.uri))}`,
    );
    const policy = policyNote(destination.domain, run.config);
    if (policy !== undefined) run.io.out(`policy: ${policy}`);
    printLines(run.io, formatTargets(targets));
    return ExitCode.ok;
  } catch (error) {
    printLines(run.io, formatTrace(trace.steps));
    if (!isDiscoveryError(error)) throw error;
    run.io.err(`not resolved: ${error.code}: ${error.message} (the edge answers ${error.status} ${error.reason})`);
    return ExitCode.notResolved;
  }
}

async function toDestination(input: Input, run: Run, trace: ResolutionTrace): Promise<SipDestination> {
  const { destinations, mimi } = run.discovery;
  const wants = enumservicesFor(run.method, run.event);
  const useMimi = input.kind === 'email' || (run.mimi === true && input.kind !== 'uri');
  if (useMimi) {
    if (mimi === undefined)
      throw new DiscoveryError(
        'MIMI_DISABLED',
        'MIMI discovery is off (discovery.mimi.enabled: false); pass --mimi to try it',
      );
    const resolution =
      input.kind === 'email'
        ? await mimi.resolveEmail(input.address, trace)
        : input.kind === 'number'
          ? await mimi.resolvePhone(parseE164(input.number), trace)
          : await mimi.resolveMui(input.kind === 'domain' ? input.domain : '', trace);
    const sipUri = mimiSipUri(resolution);
    trace.decision(
      `the most preferred usable MIMI record (${resolution.records[0]?.text ?? ''}) is reached as ${sipUri}`,
    );
    return destinations.toSip(parseUri(sipUri), wants, trace);
  }
  if (input.kind === 'number') return destinations.numberToSip(parseE164(input.number), wants, trace);
  const text = input.kind === 'uri' ? input.text : `sip:${input.kind === 'domain' ? input.domain : ''}`;
  const uri = parseUri(text, { allowHeaders: false });
  const number = ownNumber(uri, run.config);
  if (number !== undefined) {
    // D4 as the edge runs it: a number in one of our domains may be hosted by a peer, so ENUM first.
    try {
      return await destinations.numberToSip(number, wants, trace);
    } catch (error) {
      if (!isDiscoveryError(error)) throw error;
      trace.decision(
        `ENUM has nothing usable for ${number} (${error.code}): the edge routes ${formatUri(uri)} in its own domain`,
      );
    }
  }
  return destinations.toSip(uri, wants, trace);
}

/** The E.164 number of a sip:+…;user=phone URI in one of the configuration's own domains. */
function ownNumber(uri: Uri, config: EdgeConfig | undefined): string | undefined {
  if (
    config === undefined ||
    !isSipUri(uri) ||
    !config.domains.map((d) => d.toLowerCase()).includes(uri.host.toLowerCase())
  )
    return undefined;
  try {
    return e164FromUri(uri);
  } catch {
    return undefined;
  }
}

/** Where the edge sends a request for its own domain: the built-in component, or the configured servers (I1). */
function communityPath(config: EdgeConfig, method: string, event: string | undefined): string {
  const presence = (method === 'SUBSCRIBE' || method === 'PUBLISH') && /^presence\b/i.test(event ?? '');
  const configured = presence ? config.internal.presence : config.internal.registrar;
  const role = presence ? 'presence server' : 'registrar';
  if (configured === 'builtin')
    return `this community's own domain: the built-in ${role} takes it (the user's registered contacts, or 404/480)`;
  return `this community's own domain: its internal ${role} ${configured.map((t) => `${t.transport} ${t.host}:${t.port}`).join(', ')}`;
}

/** The most preferred MIMI service, reached as sip:<account>@<endpoint>. */
function mimiSipUri(resolution: MimiResolution): string {
  const best = resolution.records[0]!;
  if (best.account === undefined) return `sip:${best.endpoint}`;
  return best.account.includes('@')
    ? `sip:${best.account}`
    : `sip:${encodeURIComponent(best.account).replace(/%2B/g, '+')}@${best.endpoint}`;
}

/** What the edge's routing policy (D1) would do with the domain, when a configuration was given. */
function policyNote(domain: string, config: EdgeConfig | undefined): string | undefined {
  if (config === undefined) return undefined;
  const d = config.discovery;
  if (config.routes.some((r) => r.domain === domain))
    return `${domain} has a static route, which wins over these targets`;
  if (d.deny.includes(domain)) return `${domain} is in discovery.deny: the edge answers 403`;
  if (d.federation === 'closed' && !d.allow.includes(domain))
    return `${domain} is not in discovery.allow and federation is closed: the edge answers 404`;
  return `${domain} is reachable in ${d.federation} federation`;
}

function printLines(io: CliIo, lines: readonly string[]): void {
  for (const line of lines) io.out(line);
}

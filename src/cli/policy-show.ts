// `simple-edge policy show <domain>` (SPEC G2): fetches a peer community's federation policy
// document as the edge would (its configured URL, else https://<domain>/.well-known/…; the server
// must prove the domain), checks it, and prints what it says and what this edge would change in its
// outbound traffic to that peer. `--own` prints the document this edge publishes.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatConfigProblem } from '../config/config-problem.js';
import type { EdgeConfig } from '../config/config-schema.js';
import { readConfigFile } from '../config/load-config.js';
import { formatPolicyDocument, policyDocumentOf, type PolicyDocument } from '../config/policy-document.js';
import { TimerWheel } from '../clock/timer-wheel.js';
import { createDiscovery } from '../discovery/create-discovery.js';
import { createHostLookup } from '../discovery/host-lookup.js';
import { httpsGet, PolicyDocumentFetcher } from '../discovery/policy-document-fetcher.js';
import { silentLogger } from '../observability/logger.js';
import type { CommandContext } from './check-config.js';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-code.js';
import { DEFAULT_CONFIG_PATH } from './start.js';

export interface PolicyShowOptions {
  readonly domain?: string;
  readonly io: CliIo;
  readonly configPath: string;
  readonly url?: string;
  readonly own?: boolean;
  /** Tests replace the HTTPS GET. */
  readonly get?: (url: string, peer: string) => Promise<string>;
}

export async function runPolicyShow(options: PolicyShowOptions): Promise<number> {
  const { io } = options;
  const loaded = readConfigFile(options.configPath);
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.err(formatConfigProblem(problem));
    return ExitCode.configInvalid;
  }
  const config = loaded.config;
  if (options.own === true || options.domain === undefined) {
    for (const line of formatPolicyDocument(policyDocumentOf(config)).trimEnd().split('\n')) io.out(line);
    return ExitCode.ok;
  }
  const peer = options.domain.toLowerCase();
  let ca: Buffer | undefined;
  try {
    ca = config.tls.ca === null ? undefined : readFileSync(config.tls.ca);
  } catch (error) {
    io.err(
      `tls.ca ${config.tls.ca}: ${error instanceof Error ? error.message : String(error)} (make the certificates first, or fix the path)`,
    );
    return ExitCode.runtimeFailure;
  }
  // D3: the host is resolved as the edge resolves it, through discovery.resolvers.
  const clock = new TimerWheel();
  clock.start();
  const { dns } = createDiscovery(config.discovery, { clock });
  const lookup = createHostLookup({ dns, addressFamilies: config.discovery.addressFamilies });
  const get = options.get ?? ((url: string, domain: string) => httpsGet(url, domain, { ca, lookup }));
  const fetcher = new PolicyDocumentFetcher({
    config: config.policyDocument,
    log: silentLogger(),
    get: (url, domain) => get(options.url ?? url, domain),
  });
  const entry = await fetcher.refresh(peer).finally(() => clock.stop());
  const url = options.url ?? entry.url;
  if (entry.document === undefined) {
    io.err(`${peer}: no policy document from ${url}: ${entry.problem ?? 'unknown problem'}`);
    return ExitCode.runtimeFailure;
  }
  for (const line of describe(peer, url, entry.document, config)) io.out(line);
  return ExitCode.ok;
}

function describe(peer: string, url: string, d: PolicyDocument, config: EdgeConfig): string[] {
  const rate = (r: { capacity: number; refillPerSecond: number }) => `${r.refillPerSecond}/s (burst ${r.capacity})`;
  const ownInterval = config.policy.limits.notifyIntervalSeconds;
  return [
    `policy document of ${peer} (${url}), version ${d.version}`,
    `  domains            ${d.domains.join(', ')}`,
    `  SUBSCRIBE Expires  ${d.subscription.minExpiresSeconds}..${d.subscription.maxExpiresSeconds} s`,
    `  NOTIFY interval    at least ${d.notify.minIntervalSeconds} s between unchanged NOTIFYs`,
    `  rates              per sender ${rate(d.rates.perSender)}, per peer ${rate(d.rates.perPeer)}, per recipient ${rate(d.rates.perRecipient)}`,
    `  Record-Route       at most ${d.recordRoute.maxBytes} bytes`,
    `  IM                 page mode ${d.im.pageMode ? 'yes' : 'no'}, session mode ${d.im.sessionMode ? 'yes' : 'no'}`,
    `  trust level        ${d.trust.header}: ${d.trust.semantics}`,
    ...(d.adminContact === undefined ? [] : [`  admin contact      ${d.adminContact}`]),
    'outbound to this peer, this edge',
    `  - raises SUBSCRIBE Expires below ${d.subscription.minExpiresSeconds} s to it, lowers above ${d.subscription.maxExpiresSeconds} s to it`,
    `  - paces unchanged NOTIFYs at ${Math.max(ownInterval, d.notify.minIntervalSeconds)} s (ours ${ownInterval} s)`,
    `  - holds new requests beyond ${rate(d.rates.perSender)} per sender and ${rate(d.rates.perPeer)} in all (503 to our user agent)`,
    ...(config.policyDocument.fetch
      ? []
      : ['  (policyDocument.fetch is false in this configuration: the running edge does none of this)']),
  ];
}

export function registerPolicy(program: Command, context: CommandContext): void {
  program
    .command('policy')
    .description('federation policy documents (G2)')
    .command('show [domain]')
    .description(
      "fetch and check a peer's policy document and say how this edge adapts to it; without a domain, print ours",
    )
    .option(
      '-c, --config <file>',
      'the configuration (trust anchors, per-peer URLs, our own policy)',
      DEFAULT_CONFIG_PATH,
    )
    .option('-u, --url <url>', 'fetch from this URL instead of the configured or well-known one')
    .option('--own', 'print the document this edge publishes')
    .action(async (domain: string | undefined, flags: { config: string; url?: string; own?: boolean }) => {
      context.setExitCode(
        await runPolicyShow({
          io: context.io,
          configPath: flags.config,
          ...(domain === undefined ? {} : { domain }),
          ...(flags.url === undefined ? {} : { url: flags.url }),
          ...(flags.own === undefined ? {} : { own: flags.own }),
        }),
      );
    });
}

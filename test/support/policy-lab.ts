// The loopback topology of the border-policy integration tests (test/integration/policy/): edges
// between SIPp user agents, with stunnel wherever a leg crosses the border, so the peer b.example.net
// really speaks mutual TLS (Debian builds SIPp without TLS).
//
//   peer UAC ──tcp──▶ stunnel client ══tls══▶ edge external ──tcp──▶ internal UAS (registrar, presence)
//   internal UAC ──tcp──▶ edge internal ══tls══▶ stunnel server ──tcp──▶ peer UAS (b.example.net)
//
// Each edge is a "site": its own listeners and its own stunnel process. The two UAS ports are the
// lab's, shared by every site, so two edges of one cluster reach the same user agents. UAC calls
// come from an injection file: one line per call with the sender, the recipient and the text.

import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load-config.js';
import { createEdge, type Edge } from '../../src/edge.js';
import { createLogger } from '../../src/observability/logger.js';
import type { StateStore } from '../../src/state/state-store.js';
import {
  edgeTlsOptions,
  LOCAL_DOMAIN,
  LOOPBACK,
  makeCertificates,
  PEER_DOMAIN,
  PortAllocator,
  stopEdge,
  type CertificateFiles,
} from './edge-harness.js';
import { SIPP_PORT_BLOCK, SippProcess, type SippResult } from './sipp.js';
import { StunnelProcess } from './stunnel.js';

/** Who sends: the peer community b.example.net (over TLS through stunnel) or this community a.example.com. */
export type Side = 'peer' | 'internal';

/** One call of a UAC run: the sender's and recipient's user parts, and the text (MESSAGE body). */
export interface Call {
  readonly from: string;
  readonly to: string;
  readonly text?: string;
}

export interface EdgeSite {
  readonly name: string;
  /** The edge's internal TCP listener. */
  readonly internalPort: number;
  readonly externalTlsPort: number;
  readonly adminPort: number;
  /** stunnel client: the peer's SIPp connects here and stunnel dials the edge over mutual TLS. */
  readonly peerEntryPort: number;
  /** stunnel server: the edge's static route to b.example.net; stunnel hands over to the peer UAS. */
  readonly peerRoutePort: number;
}

export interface LabEdge {
  readonly site: EdgeSite;
  readonly edge: Edge;
}

export interface UacOptions {
  /** Names the log directory. */
  readonly name: string;
  readonly side: Side;
  /** The edge the UAC talks to (the peer through its stunnel client, the community directly). */
  readonly site: EdgeSite;
  /** A scenario file under test/fixtures/sipp/policy. */
  readonly scenario: string;
  readonly calls: readonly Call[];
  /** Scenario keys beyond the domains and transport (expires, extra_header). */
  readonly keys?: Readonly<Record<string, string>>;
  /** Calls started per second (default 50). */
  readonly rate?: number;
  /** Calls at once (default 1: one after the other, so responses come in call order). */
  readonly concurrent?: number;
  /** SIPp's own bound on the run (default 15 s, inside vitest's 20 s per test). */
  readonly timeoutS?: number;
}

/** Plain-object configuration, merged key by key over the lab's own (arrays replace). */
export type ConfigPatch = Readonly<Record<string, unknown>>;

/** O5: the shutdown drain of the `simple-edge start` processes the tests run. */
export const TEST_DRAIN_MS = 200;

/** Every scenario key has a value: SIPp refuses a scenario with a keyword it was not given. */
const DEFAULT_KEYS = { extra_header: 'Subject: border policy test', expires: '3600' } as const;

export class PolicyLab {
  readonly ports = new PortAllocator();
  readonly certificates: CertificateFiles;
  /** Where the sites' registrar and presence server (the internal UAS) listen. */
  readonly internalUasPort: number;
  /** Where b.example.net's user agent (the peer UAS, behind each site's stunnel server) listens. */
  readonly peerUasPort: number;
  readonly #workDir: string;
  readonly #sipps = new Set<SippProcess>();
  readonly #stunnels = new Set<StunnelProcess>();
  readonly #edges = new Set<Edge>();
  #sites = 0;

  constructor(options: { workDir: string }) {
    this.#workDir = options.workDir;
    this.certificates = makeCertificates(path.join(options.workDir, 'certs'));
    this.internalUasPort = this.ports.take(SIPP_PORT_BLOCK);
    this.peerUasPort = this.ports.take(SIPP_PORT_BLOCK);
  }

  /** Ports for one more edge and its stunnel. */
  planSite(): EdgeSite {
    const base = this.ports.take(5);
    return {
      name: `site${++this.#sites}`,
      internalPort: base,
      externalTlsPort: base + 1,
      adminPort: base + 2,
      peerEntryPort: base + 3,
      peerRoutePort: base + 4,
    };
  }

  /**
   * The configuration of a `simple-edge start` process for the site: the lab's certificate files
   * (an in-process edge takes them as options instead), warnings only, a short shutdown drain (O5: the
   * default 5 s would only slow the tests that stop it), `patch` merged over it.
   */
  processConfigFor(site: EdgeSite, patch: ConfigPatch = {}): Record<string, unknown> {
    const own = this.certificates.byDomain[LOCAL_DOMAIN]!;
    return this.configFor(
      site,
      merge(
        {
          tls: { certificates: [{ domain: LOCAL_DOMAIN, cert: own.cert, key: own.key }], ca: this.certificates.ca },
          limits: { shutdownDrainMs: TEST_DRAIN_MS },
          log: { level: 'warn' },
        },
        patch,
      ),
    );
  }

  /** The site's configuration as `simple-edge start` reads it, with `patch` merged over it. */
  configFor(site: EdgeSite, patch: ConfigPatch = {}): Record<string, unknown> {
    const internalTargets = [{ host: LOOPBACK, port: this.internalUasPort, transport: 'tcp' }];
    const base = {
      domains: [LOCAL_DOMAIN],
      listen: {
        internal: [{ transport: 'tcp', address: LOOPBACK, port: site.internalPort }],
        external: [{ transport: 'tls', address: LOOPBACK, port: site.externalTlsPort }],
      },
      internal: { registrar: internalTargets, presence: internalTargets },
      routes: [{ domain: PEER_DOMAIN, targets: [{ host: LOOPBACK, port: site.peerRoutePort, transport: 'tls' }] }],
      state: { backend: 'memory' },
      admin: { listen: `${LOOPBACK}:${site.adminPort}` },
      log: { level: process.env.SIMPLE_EDGE_TEST_LOG ?? 'info' },
    };
    return merge(base, patch);
  }

  /** The site's stunnel: a client service for the peer's UAC, a server service for the peer's UAS. */
  async startFronts(site: EdgeSite): Promise<StunnelProcess> {
    const peer = this.certificates.byDomain[PEER_DOMAIN]!;
    const stunnel = await StunnelProcess.start({
      name: `stunnel-${site.name}`,
      cert: peer.cert,
      key: peer.key,
      ca: this.certificates.ca,
      workDir: this.#workDir,
      services: [
        {
          name: 'peer-to-edge',
          mode: 'client',
          acceptPort: site.peerEntryPort,
          connectPort: site.externalTlsPort,
          checkHost: LOCAL_DOMAIN,
        },
        { name: 'edge-to-peer', mode: 'server', acceptPort: site.peerRoutePort, connectPort: this.peerUasPort },
      ],
    });
    this.#stunnels.add(stunnel);
    return stunnel;
  }

  /** A new site: its stunnel, then the edge in this process, listening (validated as `start` would). */
  async startEdge(options: { config?: ConfigPatch; store?: StateStore } = {}): Promise<LabEdge> {
    const site = this.planSite();
    await this.startFronts(site);
    const yaml = stringify(this.configFor(site, options.config));
    const parsed = parseConfigText(yaml, site.name);
    if (!parsed.ok) throw new Error(`test configuration invalid: ${JSON.stringify(parsed.problems)}\n${yaml}`);
    const level = process.env.SIMPLE_EDGE_TEST_LOG;
    const edge = createEdge({
      config: parsed.config,
      tls: edgeTlsOptions(this.certificates),
      ...(options.store === undefined ? {} : { store: options.store }),
      // SIMPLE_EDGE_TEST_LOG=debug prints the edge's own log lines, for diagnosing a failed run.
      ...(level === undefined ? {} : { logger: createLogger({ level }) }),
    });
    this.#edges.add(edge);
    await edge.listen();
    return { site, edge };
  }

  async stopEdge(edge: Edge): Promise<void> {
    this.#edges.delete(edge);
    await stopEdge(edge);
  }

  /**
   * A UAS on the side's port (the internal one or the peer's), listening; stop it to read its log.
   * By default it takes any number of calls; `calls` makes it end by itself after that many.
   */
  async startUas(options: {
    name: string;
    side: Side;
    scenario: string;
    calls?: number;
    keys?: Readonly<Record<string, string>>;
    timeoutS?: number;
  }): Promise<SippProcess> {
    const uas = this.#sipp({
      name: options.name,
      scenario: options.scenario,
      basePort: options.side === 'internal' ? this.internalUasPort : this.peerUasPort,
      calls: options.calls ?? 100_000,
      timeoutS: options.timeoutS ?? 120,
      keys: options.keys ?? {},
    });
    await uas.listening();
    return uas;
  }

  /** Starts a UAC run; the caller waits for `exited` (or stops it). */
  startUac(options: UacOptions): SippProcess {
    const logDir = this.#logDir(options.name);
    const injectionFile = path.join(logDir, 'calls.csv');
    writeFileSync(injectionFile, ['SEQUENTIAL', ...options.calls.map(callLine)].join('\n') + '\n');
    const peer = options.side === 'peer';
    return this.#sipp({
      name: options.name,
      scenario: options.scenario,
      basePort: this.ports.take(SIPP_PORT_BLOCK),
      logDir,
      injectionFile,
      remote: `${LOOPBACK}:${peer ? options.site.peerEntryPort : options.site.internalPort}`,
      calls: options.calls.length,
      rate: options.rate ?? 50,
      maxConcurrent: options.concurrent ?? 1,
      timeoutS: options.timeoutS ?? 15,
      keys: {
        ...DEFAULT_KEYS,
        target_domain: peer ? LOCAL_DOMAIN : PEER_DOMAIN,
        origin_domain: peer ? PEER_DOMAIN : LOCAL_DOMAIN,
        via_transport: peer ? 'TLS' : 'TCP',
        ...options.keys,
      },
    });
  }

  /** Runs a UAC to its end. */
  async runUac(options: UacOptions): Promise<SippResult> {
    const uac = this.startUac(options);
    const result = await uac.exited;
    this.#sipps.delete(uac);
    return result;
  }

  /** Waits at most `ms` for a SIPp this lab started to end by itself, then stops it; its result. */
  async finish(sipp: SippProcess, ms: number): Promise<SippResult> {
    const result = await sipp.finish(ms);
    this.#sipps.delete(sipp);
    return result;
  }

  /** Stops a SIPp this lab started; its result. */
  async stop(sipp: SippProcess): Promise<SippResult> {
    const result = await sipp.stop();
    this.#sipps.delete(sipp);
    return result;
  }

  /** Stops every SIPp, stunnel and edge still running (SIPp and stunnel by PID). */
  async cleanup(): Promise<void> {
    const sipps = [...this.#sipps];
    const stunnels = [...this.#stunnels];
    const edges = [...this.#edges];
    this.#sipps.clear();
    this.#stunnels.clear();
    this.#edges.clear();
    const results = await Promise.allSettled([...sipps.map((s) => s.stop()), ...edges.map((e) => stopEdge(e))]);
    await Promise.allSettled(stunnels.map((s) => s.stop()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  #sipp(options: {
    name: string;
    scenario: string;
    basePort: number;
    calls: number;
    timeoutS: number;
    keys: Readonly<Record<string, string>>;
    logDir?: string;
    injectionFile?: string;
    remote?: string;
    rate?: number;
    maxConcurrent?: number;
  }): SippProcess {
    const { logDir, ...rest } = options;
    const sipp = SippProcess.start({
      ...rest,
      scenario: path.join('policy', options.scenario),
      transport: 'tcp',
      logDir: logDir ?? this.#logDir(options.name),
    });
    this.#sipps.add(sipp);
    return sipp;
  }

  #logDir(name: string): string {
    return mkdtempSync(path.join(this.#workDir, `${name}-`));
  }
}

function callLine(call: Call): string {
  const fields = [call.from, call.to, call.text ?? `hello ${call.to}`];
  if (fields.some((field) => /[;\n]/.test(field)))
    throw new Error(`a call's fields may hold neither ";" nor a line end: ${fields.join(' | ')}`);
  return fields.join(';');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `patch` over `base`, object by object; arrays and scalars in `patch` replace. */
function merge(base: Record<string, unknown>, patch: ConfigPatch): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return merged;
}

// One load run, start to finish: refuse targets that are not loopback or explicitly allowed, start
// the far sides, open the peer's mutual-TLS flows (and the community's TCP flow), let scenarios
// prepare, drive the mix for the configured time, and build the report.

import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { createScenario } from './create-scenario.js';
import { drive } from './load-driver.js';
import { buildReport, type ClosedConnection, type LoadReport } from './load-report.js';
import type { FarNote, LoadContext, LoadScenario } from './load-scenario.js';
import { answerAsFarSide, CrossingCounter, type PeerIdentity } from './far-side.js';
import { startFarSide, type FarSide } from './far-side-host.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import type { HostPort, ScenarioFile } from './scenario-schema.js';
import { SipConnection, type RequestHandler } from './sip-connection.js';

export interface LoadtestOptions {
  readonly file: ScenarioFile;
  readonly tls: PeerIdentity;
  readonly signal?: AbortSignal;
  /** Where the far side runs: a worker thread (default), or this one. */
  readonly farSideThread?: 'worker' | 'inline';
  /** About once a second during the load, with the recorder to read progress from. */
  readonly onTick?: (recorder: OutcomeRecorder, elapsedMs: number) => void;
}

/** Loopback (127/8, ::1, localhost) or a host the scenario file lists under allowHosts. */
export function isAllowedHost(host: string, allowHosts: readonly string[]): boolean {
  if (allowHosts.includes(host)) return true;
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export function checkAddresses(file: ScenarioFile): void {
  const hosts = [file.target.external, file.target.internal, file.listen.community, file.listen.peer]
    .filter((at): at is HostPort => at !== undefined)
    .map((at) => at.host);
  const refused = hosts.filter((host) => !isAllowedHost(host, file.allowHosts));
  if (refused.length > 0) {
    throw new Error(
      `refusing to load ${refused.join(', ')}: only loopback by default; list the hosts under allowHosts in the scenario file`,
    );
  }
}

function connectFlow(
  at: HostPort,
  options: { tls?: PeerIdentity; servername?: string; timeoutMs: number },
): Promise<Socket> {
  const socket =
    options.tls === undefined
      ? connectTcp({ host: at.host, port: at.port })
      : connectTls({
          host: at.host,
          port: at.port,
          ...options.tls,
          servername: options.servername,
          minVersion: 'TLSv1.2',
        });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection to ${at.host}:${at.port} within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', fail);
    socket.once('close', () => fail(new Error(`${at.host}:${at.port} closed the connection during set-up`)));
  });
}

export async function runLoadtest(options: LoadtestOptions): Promise<LoadReport> {
  const { file, tls } = options;
  checkAddresses(file);
  const startedAt = new Date();
  const scenarios: LoadScenario[] = file.scenarios.map((spec, i) => createScenario(i, spec));
  const trackDialogs = file.scenarios.map((s) => s.expect.some((e) => 'maxCrossedPerDialog' in e));
  const recorder = new OutcomeRecorder({ trackDialogs, now: performance.now() });
  const connections = new Set<SipConnection>();
  const noRequests = (): void => undefined;
  // What the edge sends the peer over the tool's own peer connections (F4 reuse) counts as crossed too.
  const nearCounter = new CrossingCounter(trackDialogs);
  const nearSide = {
    scenarios,
    crossed: nearCounter.crossed.bind(nearCounter),
    noted: (index: number, note: FarNote) => scenarios[index]?.learn?.(note),
  };
  let farSide: FarSide | undefined;
  const answerAsPeer: RequestHandler = (request, connection) =>
    answerAsFarSide(request, connection, nearSide, farSide?.peerContact ?? '');
  const track = (socket: Socket, onRequest: RequestHandler = noRequests): SipConnection => {
    const connection = new SipConnection(socket, onRequest);
    connections.add(connection);
    return connection;
  };
  try {
    farSide = await startFarSide({ file, tls, scenarios, trackDialogs, thread: options.farSideThread ?? 'worker' });
    const context = await openContext(options, farSide, recorder, (socket) => track(socket, answerAsPeer), track);
    for (const scenario of scenarios) await scenario.prepare?.(context);
    farSide.reset();
    nearCounter.reset();
    recorder.restart(performance.now());
    const watch = watchTargetConnections(context, file, options.signal);
    await drive({
      scenarios,
      weights: file.scenarios.map((s) => s.weight),
      settings: file,
      context,
      connections: () => connections,
      signal: watch.signal,
      onTick: (elapsed) => options.onTick?.(recorder, elapsed),
    });
    recorder.end(performance.now());
    const closedByTarget = watch.stop(recorder.startedAt);
    recorder.applyFarCounts(nearCounter.countsWith(await farSide.finish()));
    farSide = undefined;
    return buildReport({ file, specs: file.scenarios, scenarios, recorder, startedAt, closedByTarget });
  } finally {
    for (const scenario of scenarios) scenario.finish?.();
    for (const connection of connections) connection.close();
    await farSide?.finish();
  }
}

/** The flows a run sends over: the peer connections (answering what the edge sends the peer) and the community's. */
async function openContext(
  options: LoadtestOptions,
  farSide: FarSide,
  recorder: OutcomeRecorder,
  trackPeer: (socket: Socket) => SipConnection,
  track: (socket: Socket) => SipConnection,
): Promise<LoadContext> {
  const { file, tls } = options;
  const peerTls = { tls, servername: file.target.localDomain, timeoutMs: file.timeoutMs };
  const openPeerFlow = async (): Promise<SipConnection> => trackPeer(await connectFlow(file.target.external, peerTls));
  const peerFlows = await Promise.all(Array.from({ length: file.connections }, openPeerFlow));
  const internal = file.target.internal;
  const communityFlow =
    internal === undefined ? undefined : track(await connectFlow(internal, { timeoutMs: file.timeoutMs }));
  return {
    settings: file,
    localDomain: file.target.localDomain,
    peerDomain: file.target.peerDomain,
    recorder,
    peerFlows,
    communityFlow,
    communityContact: farSide.communityContact,
    peerContact: farSide.peerContact,
    openPeerFlow,
  };
}

/**
 * The run's own connections to the target: each one the target closes while the load runs is noted
 * (the report and the CLI say so, rather than counting what was pending as timeouts), and once none
 * is left the run stops instead of idling out its duration. `stop` ends the watch before the run
 * closes them itself.
 */
function watchTargetConnections(
  context: LoadContext,
  file: ScenarioFile,
  outer: AbortSignal | undefined,
): { signal: AbortSignal; stop(startedAt: number): ClosedConnection[] } {
  const gone = new AbortController();
  outer?.addEventListener('abort', () => gone.abort(), { once: true });
  if (outer?.aborted === true) gone.abort();
  const watched = [
    ...context.peerFlows.map((flow) => ({ flow, at: file.target.external })),
    ...(context.communityFlow === undefined || file.target.internal === undefined
      ? []
      : [{ flow: context.communityFlow, at: file.target.internal }]),
  ];
  const closed: Array<{ target: string; at: number }> = [];
  let watching = true;
  for (const { flow, at } of watched) {
    const onClose = (): void => {
      if (!watching) return;
      closed.push({ target: `${at.host}:${at.port}`, at: performance.now() });
      if (closed.length === watched.length) gone.abort();
    };
    if (flow.closed) onClose();
    else flow.socket.once('close', onClose);
  }
  return {
    signal: gone.signal,
    stop(startedAt) {
      watching = false;
      return closed.map((c) => ({ target: c.target, atSecond: Math.max(0, (c.at - startedAt) / 1000) }));
    },
  };
}

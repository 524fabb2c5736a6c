// The serve step of `simple-edge start`: turns the configuration into the edge's options — the TLS
// material (configured, or development certificates made on first run) and the services beside SIP
// (admin listener O3, policy document G2, TLS reload O2) — and signals into the edge's life:
// configuration reload on SIGHUP (O2), drain and graceful stop on SIGTERM or SIGINT (O5).

import type { EdgeConfig } from '../config/config-schema.js';
import { POLICY_DOCUMENT_PATH } from '../config/policy-document.js';
import { formatConfigProblem } from '../config/config-problem.js';
import { describePlaintextOptIn, plaintextPeerOptIns } from '../config/plaintext-peer-opt-ins.js';
import { readConfigFile } from '../config/load-config.js';
import { createEdge, readTlsFiles, ServiceStartError, type Edge, type TlsSource } from '../edge.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { hostPort } from '../proxy/local-addresses.js';
import type { TlsOptions } from '../transport/transport-options.js';
import type { CliIo } from './cli-io.js';
import { DEFAULT_CERTIFICATES_DIR } from './certs.js';
import { ensureDevCertificates } from './dev-certificates.js';
import { ExitCode } from './exit-code.js';
import type { ServeStep } from './start.js';

/** O5: how long live transactions may take to finish after SIGTERM (64 × T1 covers any of them). */
export const SHUTDOWN_GRACE_MS = 32_000;

export const serveEdge: ServeStep = async (config, { io, configPath }) => {
  const source = tlsSource(config, io);
  let tls: TlsOptions | undefined;
  try {
    tls = source === undefined ? undefined : readTlsFiles(source);
  } catch (error) {
    io.err(`cannot start: ${String(error instanceof Error ? error.message : error)}`);
    return ExitCode.runtimeFailure;
  }
  const logger = createLogger({ level: config.log.level });
  warnOfPlaintextPeers(config, logger);
  const services = { admin: true, policyDocument: true, ...(source === undefined ? {} : { tlsFiles: source }) };
  const edge = createEdge({ config, ...(tls === undefined ? {} : { tls }), logger, services });
  try {
    await edge.listen();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(error instanceof ServiceStartError ? message : `cannot listen: ${message}`);
    return ExitCode.runtimeFailure;
  }
  for (const line of servingLines(config, edge)) io.out(line);
  // O2: SIGHUP reloads the configuration here (the edge reloads its TLS material itself); the
  // handler also keeps SIGHUP from ending the process.
  const reload = (): void => reloadConfiguration(edge, configPath, io, logger);
  process.on('SIGHUP', reload);
  const signal = await nextSignal(['SIGTERM', 'SIGINT']);
  process.off('SIGHUP', reload);
  await drain(edge, config.limits.shutdownDrainMs, signal, io);
  io.out(`${signal}: no new requests; finishing live transactions`);
  await edge.stop(SHUTDOWN_GRACE_MS);
  io.out('stopped');
  return ExitCode.ok;
};

/** What the edge listens on, as the operator reads it at start. */
function servingLines(config: EdgeConfig, edge: Edge): string[] {
  return [
    ...edge.listeners.map((l) => `serving ${l.side} ${l.protocol} ${hostPort(l)}`),
    `serving admin http ${config.admin.listen} (/metrics /healthz /readyz /admin/)`,
    ...(config.policyDocument.serve === null
      ? []
      : [`serving policy document https ${config.policyDocument.serve}${POLICY_DOCUMENT_PATH}`]),
  ];
}

/** D2, F2: every configured way to a peer without TLS is said at start (and on reload), as a warning. */
function warnOfPlaintextPeers(config: EdgeConfig, logger: Logger): void {
  for (const optIn of plaintextPeerOptIns(config)) {
    logger.warn({ key: optIn.key, peer: optIn.peer, transports: optIn.transports }, describePlaintextOptIn(optIn));
  }
}

/**
 * O2, on SIGHUP: read the file again; a file check-config would refuse is refused with the same
 * messages and the configuration in force stays. Live flows and transactions are not touched.
 */
function reloadConfiguration(edge: Edge, configPath: string, io: CliIo, logger: Logger): void {
  const result = readConfigFile(configPath);
  if (!result.ok) {
    io.err(`SIGHUP: ${configPath} refused; the configuration in force stays`);
    for (const problem of result.problems) io.err(formatConfigProblem(problem));
    logger.error({ file: configPath, problems: result.problems.length }, 'configuration reload refused');
    return;
  }
  const report = edge.reload(result.config);
  warnOfPlaintextPeers(result.config, logger);
  const later = report.needsRestart.length === 0 ? '' : `; takes a restart: ${report.needsRestart.join(', ')}`;
  io.out(`SIGHUP: ${configPath} reloaded${later}`);
}

/** The configured certificate files, else development certificates for every served domain. */
function tlsSource(config: EdgeConfig, io: CliIo): TlsSource | undefined {
  const tlsListeners = [...config.listen.internal, ...config.listen.external].some((l) => l.transport === 'tls');
  if (!tlsListeners) return undefined;
  const { ca, crl, minVersion } = config.tls;
  if (config.tls.certificates.length > 0) return { certificates: config.tls.certificates, ca, crl, minVersion };
  const dev = ensureDevCertificates(DEFAULT_CERTIFICATES_DIR, config.domains);
  io.out(
    `tls: no certificate configured; using development certificates in ${DEFAULT_CERTIFICATES_DIR}/ (not for production)`,
  );
  return { certificates: dev.certificates, ca: dev.caCert, crl, minVersion };
}

/**
 * O5: readiness off and new out-of-dialog requests answered 503 for `limits.shutdownDrainMs`, so the
 * requests already on the wire get an answer and peers move elsewhere; a second signal cuts it short.
 */
async function drain(edge: Edge, drainMs: number, signal: NodeJS.Signals, io: CliIo): Promise<void> {
  if (drainMs <= 0) return;
  io.out(
    `${signal}: draining for ${drainMs} ms: /readyz 503, new requests 503 with Retry-After (send ${signal} again to skip)`,
  );
  const skip = new AbortController();
  const cut = (): void => skip.abort();
  process.on('SIGTERM', cut);
  process.on('SIGINT', cut);
  try {
    await edge.drain(drainMs, { signal: skip.signal });
  } finally {
    // From here a further signal has its default effect: it ends the process at once.
    process.off('SIGTERM', cut);
    process.off('SIGINT', cut);
  }
}

function nextSignal(signals: NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handlers = signals.map((signal) => {
      const handler = (): void => {
        for (const [s, h] of handlers) process.off(s, h);
        resolve(signal);
      };
      process.on(signal, handler);
      return [signal, handler] as const;
    });
  });
}

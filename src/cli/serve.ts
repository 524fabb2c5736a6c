// The serve step of `simple-edge start`: TLS material (configured, or development certificates made
// on first run), the edge itself, certificate reload on SIGHUP or file change (SPEC O2), and a
// graceful stop on SIGTERM or SIGINT (SPEC O5).

import type { EdgeConfig } from '../config/config-schema.js';
import { createEdge } from '../edge.js';
import { createLogger } from '../observability/logger.js';
import { hostPort } from '../proxy/local-addresses.js';
import type { TlsOptions } from '../transport/transport-options.js';
import type { CliIo } from './cli-io.js';
import { DEFAULT_CERTIFICATES_DIR } from './certs.js';
import { ensureDevCertificates } from './dev-certificates.js';
import { ExitCode } from './exit-code.js';
import type { ServeStep } from './start.js';
import { readTlsFiles, type TlsSource } from './tls-files.js';
import { TlsReloader } from './tls-reloader.js';

/** O5: how long live transactions may take to finish after SIGTERM (64 × T1 covers any of them). */
const SHUTDOWN_GRACE_MS = 32_000;

export const serveEdge: ServeStep = async (config, { io }) => {
  const source = tlsSource(config, io);
  let tls: TlsOptions | undefined;
  try {
    tls = source === undefined ? undefined : readTlsFiles(source);
  } catch (error) {
    io.err(`cannot start: ${String(error instanceof Error ? error.message : error)}`);
    return ExitCode.runtimeFailure;
  }
  const logger = createLogger({ level: config.log.level });
  const edge = createEdge({ config, ...(tls === undefined ? {} : { tls }), logger });
  try {
    await edge.listen();
  } catch (error) {
    io.err(`cannot listen: ${String(error instanceof Error ? error.message : error)}`);
    return ExitCode.runtimeFailure;
  }
  for (const l of edge.listeners) io.out(`serving ${l.side} ${l.protocol} ${hostPort(l)}`);
  // O2: SIGHUP reloads the TLS material; without any, it is still caught, so it cannot end the process.
  const reloader = source === undefined ? undefined : new TlsReloader({ source, target: edge.transport, log: logger });
  const ignoreHangup = (): void => logger.info({ cause: 'SIGHUP' }, 'no TLS listener: nothing to reload');
  if (reloader === undefined) process.on('SIGHUP', ignoreHangup);
  reloader?.start();
  const signal = await nextSignal(['SIGTERM', 'SIGINT']);
  reloader?.stop();
  process.off('SIGHUP', ignoreHangup);
  io.out(`${signal}: no new requests; finishing live transactions`);
  await edge.stop(SHUTDOWN_GRACE_MS);
  io.out('stopped');
  return ExitCode.ok;
};

/** The configured certificate files, else development certificates for every served domain. */
function tlsSource(config: EdgeConfig, io: CliIo): TlsSource | undefined {
  const tlsListeners = [...config.listen.internal, ...config.listen.external].some((l) => l.transport === 'tls');
  if (!tlsListeners) return undefined;
  const { ca, crl, minVersion } = config.tls;
  if (config.tls.certificates.length > 0) return { certificates: config.tls.certificates, ca, crl, minVersion };
  const dev = ensureDevCertificates(DEFAULT_CERTIFICATES_DIR, config.domains);
  io.out(`tls: no certificate configured; using development certificates in ${DEFAULT_CERTIFICATES_DIR}/ (not for production)`);
  return { certificates: dev.certificates, ca: dev.caCert, crl, minVersion };
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

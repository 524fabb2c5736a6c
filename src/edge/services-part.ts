// The process's services beside SIP, each off unless the options ask for it: the admin listener (O3),
// the HTTPS server publishing the policy document (G2), and the reload of the TLS material on SIGHUP
// or when one of its files changes (O2).

import type { AdminBackend } from '../admin/admin-backend.js';
import { AdminServer } from '../admin/admin-server.js';
import { PolicyDocumentServer } from '../admin/policy-document-server.js';
import { parseHostPort } from '../config/host-port.js';
import type { TlsOptions } from '../transport/transport-options.js';
import type { TlsTarget } from './tls-reloader.js';
import { TlsReloader } from './tls-reloader.js';
import type { EdgeOptions } from './edge-types.js';
import type { Foundation } from './foundation.js';

/** A service that could not start; its message says which and why, as the operator reads it. */
export class ServiceStartError extends Error {}

export interface ServicesPart {
  stop(): Promise<void>;
}

export interface ServiceDeps {
  readonly base: Foundation;
  readonly admin: AdminBackend;
  readonly policyDocument: () => string;
  readonly tlsTarget: TlsTarget;
}

export async function startServices(options: EdgeOptions, deps: ServiceDeps): Promise<ServicesPart> {
  const wanted = options.services ?? {};
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async (): Promise<void> => void (await Promise.all(stops.splice(0).map((stop) => stop())));
  try {
    if (wanted.admin === true) stops.push(await startAdmin(deps));
    if (wanted.policyDocument === true) {
      const server = await startPolicyDocument(deps, options.tls);
      if (server !== undefined) stops.push(server);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  if (wanted.tlsFiles !== undefined) {
    const reloader = new TlsReloader({ source: wanted.tlsFiles, target: deps.tlsTarget, log: deps.base.log });
    reloader.start();
    stops.push(() => reloader.stop());
  }
  return { stop: stopAll };
}

async function startAdmin(deps: ServiceDeps): Promise<() => Promise<void>> {
  const { config, log } = deps.base;
  const failed = new ServiceStartError(
    `cannot listen on admin.listen ${config.admin.listen} (in use, or not an address of this host)`,
  );
  const where = parseHostPort(config.admin.listen);
  if (!where.ok) throw failed; // check-config refused it already
  const admin = new AdminServer({
    address: where.host,
    port: where.port,
    token: config.admin.token,
    backend: deps.admin,
    log,
  });
  try {
    await admin.listen();
  } catch (error) {
    log.error({ err: error }, 'admin listener failed');
    throw failed;
  }
  return () => admin.close();
}

/** G2: the HTTPS listener publishing the policy document, when `policyDocument.serve` names one. */
async function startPolicyDocument(
  deps: ServiceDeps,
  tls: TlsOptions | undefined,
): Promise<(() => Promise<void>) | undefined> {
  const serve = deps.base.config.policyDocument.serve;
  if (serve === null) return undefined;
  const where = parseHostPort(serve);
  if (!where.ok || tls === undefined)
    throw new ServiceStartError(
      `policyDocument.serve ${serve}: needs a TLS certificate (configure tls.certificates or a TLS listener)`,
    );
  const server = new PolicyDocumentServer({
    address: where.host,
    port: where.port,
    tls,
    document: deps.policyDocument,
  });
  try {
    await server.listen();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ServiceStartError(`cannot listen on policyDocument.serve ${serve}: ${reason}`);
  }
  return () => server.close();
}

// What createEdge() takes and what it hands back: the edge's public interface for the CLI, the
// benchmarks and the tests.

import type { AdminBackend } from '../admin/admin-backend.js';
import type { Clock } from '../clock/clock.js';
import type { Community } from '../community/create-community.js';
import type { EdgeConfig } from '../config/config-schema.js';
import type { DnsTransport } from '../discovery/dns-client.js';
import type { PolicyDocumentFetcher } from '../discovery/policy-document-fetcher.js';
import type { EdgeMetrics } from '../observability/edge-metrics.js';
import type { Logger } from '../observability/logger.js';
import type { PeerFlowTable } from '../peers/peer-flow-table.js';
import type { SubscriptionSupervisor } from '../policy/subscriptions/subscription-supervisor.js';
import type { Router } from '../routing/route-types.js';
import type { StateStore } from '../state/state-store.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import type { BoundListener, TlsOptions } from '../transport/transport-options.js';
import type { InjectOptions, InjectResult } from './inject.js';
import type { TlsSource } from './tls-files.js';
import type { HttpRequestHandler } from '../transport/ws-listener.js';

export interface EdgeOptions {
  readonly config: EdgeConfig;
  /**
   * The TLS material: the default certificate, one per served domain (F3), trust anchors and CRLs;
   * required when a TLS listener is configured. `transport.reloadTls` replaces it (O2).
   */
  readonly tls?: TlsOptions;
  readonly logger?: Logger;
  /** Defaults to a timer wheel; tests pass a FakeClock. */
  readonly clock?: Clock;
  /** Defaults to static routing from the configuration. */
  readonly router?: Router;
  /** Defaults to the store the configuration names (state.backend). */
  readonly store?: StateStore;
  /** Wall-clock milliseconds for the policy's stored times; defaults to Date.now (tests move it by hand). */
  readonly wallClock?: () => number;
  /**
   * `sockets` (the default) binds the configured listeners and dials real connections; `virtual`
   * opens no socket at all: messages come in through inject() and every dial gets a virtual flow.
   */
  readonly network?: 'sockets' | 'virtual';
  /**
   * I7: serves the plain HTTP requests (not WebSocket upgrades) that reach a ws or wss listener, so a
   * web client's pages share the port; absent, they are answered 426 Upgrade Required.
   */
  readonly httpRequests?: HttpRequestHandler;
  /**
   * How DNS questions are asked (D3); UDP and TCP sockets by default. A virtual edge asks nobody
   * unless given one: each look-up fails as an unreachable server would, so only static routes route.
   */
  readonly dnsTransport?: DnsTransport;
  /**
   * The process's own services beside SIP, off unless asked for: the admin listener (O3), the
   * policy-document HTTPS server (G2) and, given the files the TLS material came from, its reload
   * on SIGHUP and on file change (O2).
   */
  readonly services?: { readonly admin?: boolean; readonly policyDocument?: boolean; readonly tlsFiles?: TlsSource };
}

export interface Edge {
  /** Builds every part and binds the listeners (none with `network: 'virtual'`), then the admin services. */
  listen(): Promise<void>;
  /**
   * O5, before stop(): for `drainMs` (or until `signal` aborts) /readyz is 503 and new out-of-dialog
   * requests are answered 503 with Retry-After, while in-dialog requests, responses and live
   * transactions go on over connections that stay open.
   */
  drain(drainMs: number, options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** O5: stop accepting, let live transactions finish (at most `graceMs`), close every flow. */
  stop(graceMs?: number): Promise<void>;
  /**
   * A message through the whole stack without sockets, as fastify's inject(): it arrives on a virtual
   * flow of `side` (external: authenticated as `peer`), and the result holds the responses sent back
   * on that flow and the requests sent onward. Needs `network: 'virtual'`; listens first if need be.
   */
  inject(message: string | Buffer, options: InjectOptions): Promise<InjectResult>;
  readonly listeners: readonly BoundListener[];
  readonly metrics: EdgeMetrics;
  readonly transport: TransportLayer;
  /** F4: connections per peer domain, and those refused (caps, D1 lists, G1 pins). */
  readonly peerFlows: PeerFlowTable;
  /** G2: the peers' published policy documents, as fetched. */
  readonly policyDocuments: PolicyDocumentFetcher;
  /** G2: this community's policy document (XML), from the configuration in force. */
  policyDocument(): string;
  readonly transactions: TransactionLayer;
  /** P9 revalidate(), X3 removeUser(address) for the admin API and the registrar; once listening. */
  readonly subscriptions: SubscriptionSupervisor;
  /** What the admin listener serves (O3); once listening. */
  readonly admin: AdminBackend;
  /**
   * O2: apply a new, already validated configuration to new requests — policy, limits, agreements,
   * routes, federation mode, log level — without touching live flows or transactions. Sections read
   * only at start-up are named in the report: they take effect at the next restart.
   */
  reload(next: EdgeConfig): ReloadReport;
  /**
   * The built-in registrar, presence server and user directory (I2), once listening; undefined when
   * `internal` names external servers for both. `community.registrar.removeUser` is the Y2/X3 removal.
   */
  readonly community: Community | undefined;
}

export interface ReloadReport {
  /** Changed sections that only a restart applies. */
  readonly needsRestart: readonly string[];
}

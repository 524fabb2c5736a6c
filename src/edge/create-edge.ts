// createEdge(): the composition root. It builds the parts in the order a message meets them —
// network (listeners, flows, peer agent), transaction layer, proxy core with its policy, router and
// community — then the admin backend and the services beside SIP. Each part has its own factory;
// this file only says which part gets which.

import type { AdminBackend } from '../admin/admin-backend.js';
import type { Community } from '../community/create-community.js';
import type { EdgeConfig } from '../config/config-schema.js';
import { formatPolicyDocument, policyDocumentOf } from '../config/policy-document.js';
import type { PolicyDocumentFetcher } from '../discovery/policy-document-fetcher.js';
import type { EdgeMetrics } from '../observability/edge-metrics.js';
import type { PeerFlowTable } from '../peers/peer-flow-table.js';
import type { SubscriptionSupervisor } from '../policy/subscriptions/subscription-supervisor.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import type { BoundListener } from '../transport/transport-options.js';
import type { Edge, EdgeOptions, ReloadReport } from './edge-types.js';
import { createFoundation, type Foundation } from './foundation.js';
import { inject, type InjectOptions, type InjectResult } from './inject.js';
import { abortableDelay, changedSections, waitForUnanswered } from './lifecycle.js';
import { createNetworkPart, type NetworkPart } from './network-part.js';
import { createAdminBackend, observeParts } from './observability-part.js';
import { assembleStack, type RunningStack } from './running-stack.js';
import { startServices, type ServicesPart } from './services-part.js';
import { webClientOf } from '../web-client/create-web-client.js';

export function createEdge(options: EdgeOptions): Edge {
  return new ComposedEdge(options);
}

/** Until the services have started, there are none to stop. */
const NO_SERVICES: ServicesPart = { stop: async () => undefined };

/** The parts that exist once the edge listens. */
interface Running {
  readonly stack: RunningStack;
  readonly admin: AdminBackend;
  readonly services: ServicesPart;
}

class ComposedEdge implements Edge {
  readonly #options: EdgeOptions;
  readonly #base: Foundation;
  readonly #network: NetworkPart;
  #current: EdgeConfig;
  #running: Running | undefined;
  #starting: Promise<void> | undefined;
  #listening = false;
  /** O5: between SIGTERM and stop(): readiness says why it is off. */
  #draining = false;

  constructor(options: EdgeOptions) {
    this.#options = options;
    this.#current = options.config;
    this.#base = createFoundation(options);
    // I7: plain HTTP requests on the WebSocket listeners go to the handler the caller gave, or else to
    // the web client when community.webClient is on.
    const httpRequests =
      options.httpRequests ??
      webClientOf(options.config, { log: this.#base.log, registry: this.#base.metrics.registry });
    this.#network = createNetworkPart(this.#base, options.tls, options.network === 'virtual', httpRequests);
  }

  get metrics(): EdgeMetrics {
    return this.#base.metrics;
  }
  get transport(): TransportLayer {
    return this.#network.transport;
  }
  get peerFlows(): PeerFlowTable {
    return this.#network.peerFlows;
  }
  get policyDocuments(): PolicyDocumentFetcher {
    return this.#base.policyDocuments;
  }
  get listeners(): readonly BoundListener[] {
    return this.#network.listeners;
  }
  get transactions(): TransactionLayer {
    return this.#started().stack.transactions;
  }
  get subscriptions(): SubscriptionSupervisor {
    return this.#started().stack.community.supervisor;
  }
  get admin(): AdminBackend {
    return this.#started().admin;
  }
  get community(): Community | undefined {
    return this.#running?.stack.community.community;
  }

  policyDocument(): string {
    return formatPolicyDocument(policyDocumentOf(this.#current));
  }

  listen(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const base = this.#base;
    base.ownWheel?.start();
    const local = await this.#network.listen();
    const stack = await assembleStack(this.#options, base, this.#network, local);
    const observed = {
      base,
      network: this.#network,
      store: stack.store,
      transactions: stack.transactions,
      tls: this.#options.tls,
      config: () => this.#current,
      listening: () => this.#listening,
      draining: () => this.#draining,
      policyDocument: () => this.policyDocument(),
      limitsFor: (peer: string) => stack.limits().limitsFor(peer),
      removeUser: (address: string) => stack.community.removeUser(address),
    };
    const admin = createAdminBackend(observed);
    observeParts(observed);
    this.#network.inbox.open(stack.transactions);
    // Running before the services start, so a service that cannot listen stops the whole edge.
    this.#running = { stack, admin, services: NO_SERVICES };
    const deps = { base, admin, tlsTarget: this.#network.transport, policyDocument: observed.policyDocument };
    const services = await startServices(this.#options, deps).catch(async (error: unknown) => {
      await this.stop(0);
      throw error;
    });
    this.#running = { stack, admin, services };
    this.#listening = true;
  }

  async inject(message: string | Buffer, options: InjectOptions): Promise<InjectResult> {
    const network = this.#network.virtual;
    if (network === undefined) throw new Error("inject() needs an edge built with network: 'virtual'");
    await this.listen();
    const listeners = this.#network.listeners;
    return inject(
      {
        network,
        limits: this.#current.limits,
        deliver: (m, flow) => this.#network.inbox.deliver(m, flow),
        localEndpoint: (side, protocol) => {
          const listener =
            listeners.find((l) => l.side === side && l.protocol === protocol) ?? listeners.find((l) => l.side === side);
          if (listener === undefined) throw new Error(`inject(): no ${side} listener is configured`);
          return listener;
        },
      },
      message,
      options,
    );
  }

  reload(next: EdgeConfig): ReloadReport {
    const needsRestart = changedSections(this.#current, next);
    this.#current = next;
    this.#base.log.level = next.log.level;
    this.#running?.stack.reconfigure(next);
    this.#base.log.info({ needsRestart }, 'configuration reloaded');
    return { needsRestart };
  }

  async drain(drainMs: number, drainOptions: { readonly signal?: AbortSignal } = {}): Promise<void> {
    this.#listening = false;
    this.#draining = true;
    this.#running?.stack.proxy.stopAccepting({ inDialog: true });
    this.#base.log.info({ drainMs }, 'draining: readiness off, new out-of-dialog requests answered 503');
    await abortableDelay(drainMs, drainOptions.signal);
  }

  async stop(graceMs = 32_000): Promise<void> {
    this.#listening = false;
    const running = this.#running;
    if (running !== undefined) {
      running.stack.proxy.stopAccepting();
      running.stack.community.stop();
      // Answered transactions only absorb retransmissions: wait for the unanswered ones alone.
      await waitForUnanswered(running.stack.transactions, graceMs);
      running.stack.transactions.close();
    }
    this.#network.admission.stop();
    await this.#network.transport.close();
    if (this.#options.store === undefined) await running?.stack.store.close();
    await this.#base.audit?.close();
    this.#base.ownWheel?.stop();
    // The admin listener last: /readyz answers while the rest shuts down.
    await running?.services.stop();
  }

  #started(): Running {
    if (this.#running === undefined) throw new Error('the edge is not listening yet');
    return this.#running;
  }
}

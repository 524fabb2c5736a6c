// What the proxy core needs from the layers around it, as interfaces it declares itself.

import type { Clock } from '../clock/clock.js';
import type { Logger } from '../observability/logger.js';
import type { EdgeMetrics } from '../observability/edge-metrics.js';
import type { RouteTarget, Router } from '../routing/route-types.js';
import type { ParserLimits } from '../sip/parser-limits.js';
import type { ClientTransaction, ClientTransactionHandlers } from '../transaction/client-transaction.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import type { Flow } from '../transport/flow.js';
import type { LocalAddresses } from './local-addresses.js';
import type { BorderPolicy } from '../policy/border-policy.js';
import type { TopologyHiding } from './topology-hiding.js';

export interface ClientTransactionStarter {
  sendRequest(options: {
    request: OutgoingMessage;
    branch: string;
    flow: Flow;
    method: string;
    handlers: ClientTransactionHandlers;
  }): ClientTransaction;
}

export interface ConnectOptions {
  /** Flows already tried for this request: a shared connection among them is not offered again (D2). */
  readonly avoid?: ReadonlySet<string>;
}

export interface FlowConnector {
  /**
   * A live flow to the target: an open connection is reused, else one is opened. `localDomain`: the
   * served domain the request is from, whose certificate a new TLS connection presents (SPEC F3).
   */
  connect(target: RouteTarget & { readonly localDomain?: string }, options?: ConnectOptions): Promise<Flow>;
}

export interface ProxyDeps {
  readonly transactions: ClientTransactionStarter;
  readonly flows: FlowConnector;
  readonly router: Router;
  readonly local: LocalAddresses;
  readonly clock: Clock;
  readonly limits: ParserLimits;
  readonly log: Logger;
  readonly metrics: EdgeMetrics;
  /** The inter-domain rules; absent, every request crosses unchecked. */
  readonly policy?: BorderPolicy;
  /** I4: hide the community's hosts from peers; absent, nothing is hidden. */
  readonly topology?: TopologyHiding;
}

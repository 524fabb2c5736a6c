// The outbound ladder's top rung, as undici's Agent (DESIGN: flow → peer pool → peer agent): a
// request for peer domain X goes over any live connection X's edge holds with us — the one it opened
// included (SPEC F4) — else over the pool of the target discovery chose, within X's cap on the
// connections the edge opens. Internal targets and bare addresses go straight to their pool.

import { EdgeError } from '../errors.js';
import type { Flow } from '../transport/flow.js';
import type { ConnectDestination } from '../transport/transport-layer.js';
import type { PeerDirectory } from './peer-directory.js';
import type { PeerFlowTable } from './peer-flow-table.js';
import { PeerPool, type FlowDialer } from './peer-pool.js';

/** What the agent needs of the transport layer. */
export interface PeerTransport extends FlowDialer {
  findFlow(id: string): Flow | undefined;
}

export interface PeerAgentOptions {
  readonly transport: PeerTransport;
  readonly directory: PeerDirectory;
  readonly table: PeerFlowTable;
}

/** Past this many pools, those with nothing open or dialling are dropped (targets come and go with DNS). */
const POOL_PRUNE_THRESHOLD = 1024;

export class PeerAgent {
  readonly #options: PeerAgentOptions;
  readonly #pools = new Map<string, PeerPool>();

  constructor(options: PeerAgentOptions) {
    this.#options = options;
  }

  /**
   * A live flow for the target: shared with its peer when one is open, else from the target's pool.
   * `avoid` lists flows a request already tried: failing over (D2) must reach another server.
   */
  async connect(target: ConnectDestination, options: { readonly avoid?: ReadonlySet<string> } = {}): Promise<Flow> {
    // SPEC I6: a client's registered flow is found by id; a pool would keep a closed one's id.
    if (target.flow !== undefined) return this.#options.transport.connect(target);
    const peer = target.side === 'external' ? target.servername?.toLowerCase() : undefined;
    if (peer === undefined) return this.#poolFor(target).acquire();
    const refusal = this.#options.directory.refusal(peer);
    if (refusal !== undefined) throw refusal; // D1: the routers answer first; this guards every other path
    const shared = this.#openFlowOf(peer, target, options.avoid);
    if (shared !== undefined) return shared;
    // RFC 5922 §7.3 with D1: the server proves the peer domain or a name its route expects instead.
    const pool = this.#poolFor({ ...target, acceptedIdentities: this.#options.directory.identitiesOf(peer) });
    const cap = this.#options.directory.termsOf(peer).maxFlows;
    if (pool.isIdle && this.#options.table.count(peer, 'outbound') >= cap) {
      throw new EdgeError(
        'PEER_FLOW_CAP',
        `${peer}: ${cap} connections open already and none usable for ${target.protocol}`,
      );
    }
    return pool.acquire();
  }

  /**
   * F4: the peer's open flow of the target's transport: one from the target's own address first (an
   * in-dialog request then reaches the server its Route names), else any, the ones the peer opened first.
   */
  #openFlowOf(peer: string, target: ConnectDestination, avoid: ReadonlySet<string> | undefined): Flow | undefined {
    let fallback: Flow | undefined;
    for (const id of this.#options.table.flowsOf(peer)) {
      if (avoid?.has(id) === true) continue;
      const flow = this.#options.transport.findFlow(id);
      if (flow?.isOpen !== true || flow.protocol !== target.protocol) continue;
      if (flow.remote.address === target.address) return flow;
      fallback ??= flow;
    }
    return fallback;
  }

  #poolFor(target: ConnectDestination): PeerPool {
    const key = `${target.side} ${target.protocol} ${target.address} ${target.port} ${target.servername ?? ''}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      if (this.#pools.size >= POOL_PRUNE_THRESHOLD) this.#prune();
      pool = new PeerPool(target, this.#options.transport);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  #prune(): void {
    for (const [key, pool] of this.#pools) if (pool.isIdle) this.#pools.delete(key);
  }
}

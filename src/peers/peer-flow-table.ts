// The connections each peer domain holds, both ways (SPEC F4): admitted once the TLS handshake has
// told who the peer is, so the caps, the allow and deny lists (D1) and the pinned keys (G1) are all
// judged on the verified identity, never on what a request later claims. Also where the agent finds
// an open connection the peer opened, to send that peer's requests over it.

import type { StreamCandidate } from '../transport/transport-options.js';
import type { PeerDirectory } from './peer-directory.js';

type Direction = StreamCandidate['direction'];

interface PeerFlow {
  readonly peers: readonly string[];
  readonly direction: Direction;
}

export interface PeerFlowStats {
  /** Connections refused, by reason: cap, denied, not-allowed, untrusted. */
  readonly refused: Record<'cap' | 'denied' | 'not-allowed' | 'untrusted', number>;
}

/** Told of every admission and release, for metrics (SPEC O3: per-peer connections). */
export interface PeerFlowObserver {
  counted(peer: string, direction: Direction, delta: 1 | -1): void;
  refused(kind: RefusalKind): void;
}

export class PeerFlowTable {
  readonly #directory: PeerDirectory;
  readonly #observer: PeerFlowObserver | undefined;
  readonly #flows = new Map<string, PeerFlow>();
  /** Peer domain → ids of its open flows, opened by either side. */
  readonly #byPeer = new Map<string, Set<string>>();
  readonly stats: PeerFlowStats = { refused: { cap: 0, denied: 0, 'not-allowed': 0, untrusted: 0 } };

  constructor(directory: PeerDirectory, observer?: PeerFlowObserver) {
    this.#directory = directory;
    this.#observer = observer;
  }

  /** TransportLayerOptions.admitStream: undefined admits the connection, a reason refuses it. */
  admit(candidate: StreamCandidate): string | undefined {
    if (candidate.side !== 'external') return undefined;
    const peers = this.#peersOf(candidate);
    if (peers.length === 0) return undefined; // no peer known (TCP, or no servername): nothing to count
    const refusal =
      candidate.direction === 'inbound'
        ? this.#judgeInbound(peers, candidate)
        : this.#judgeOutbound(peers[0]!, candidate);
    if (refusal !== undefined) {
      this.stats.refused[refusal.kind]++;
      this.#observer?.refused(refusal.kind);
      return refusal.reason;
    }
    this.#flows.set(candidate.id, { peers, direction: candidate.direction });
    for (const peer of peers) {
      this.#idsOf(peer).add(candidate.id);
      this.#observer?.counted(peer, candidate.direction, 1);
    }
    return undefined;
  }

  /** TransportLayerOptions.onFlowClosed: the flow no longer counts against its peer's caps. */
  forget(flowId: string): void {
    const flow = this.#flows.get(flowId);
    if (flow === undefined) return;
    this.#flows.delete(flowId);
    for (const peer of flow.peers) {
      const ids = this.#byPeer.get(peer);
      ids?.delete(flowId);
      if (ids?.size === 0) this.#byPeer.delete(peer);
      this.#observer?.counted(peer, flow.direction, -1);
    }
  }

  /** Ids of the peer's open flows, the ones it opened first (F4: reuse the peer's own connection). */
  flowsOf(peer: string): string[] {
    const ids = [...(this.#byPeer.get(peer.toLowerCase()) ?? [])];
    return ids.sort(
      (a, b) =>
        Number(this.#flows.get(b)?.direction === 'inbound') - Number(this.#flows.get(a)?.direction === 'inbound'),
    );
  }

  count(peer: string, direction: Direction): number {
    let n = 0;
    for (const id of this.#byPeer.get(peer.toLowerCase()) ?? []) if (this.#flows.get(id)?.direction === direction) n++;
    return n;
  }

  #peersOf(candidate: StreamCandidate): string[] {
    if (candidate.direction === 'outbound')
      return candidate.servername === undefined ? [] : [candidate.servername.toLowerCase()];
    return candidate.peerIdentity === undefined ? [] : this.#directory.peersOf(candidate.peerIdentity);
  }

  // D1: a denied name refuses the connection; in closed federation at least one name must be ours to
  // federate with. Then G1 pins and the F4 cap, for every peer the certificate stands for.
  #judgeInbound(peers: readonly string[], candidate: StreamCandidate): Refusal | undefined {
    const refusals = peers.map((peer) => this.#directory.refusal(peer));
    const denied = refusals.find((r) => r?.code === 'PEER_DENIED');
    if (denied !== undefined) return { kind: 'denied', reason: denied.message };
    if (refusals.every((r) => r !== undefined)) return { kind: 'not-allowed', reason: refusals[0]!.message };
    for (const peer of peers) {
      const refusal = this.#judgeTerms(peer, candidate, 'inbound');
      if (refusal !== undefined) return refusal;
    }
    return undefined;
  }

  // The domain being reached must be one its certificate stands for (RFC 5922 §7.2, D1 identity).
  #judgeOutbound(peer: string, candidate: StreamCandidate): Refusal | undefined {
    if (candidate.peerIdentity !== undefined && !this.#directory.covers(candidate.peerIdentity, peer)) {
      return {
        kind: 'untrusted',
        reason: `the certificate names ${candidate.peerIdentity.join(', ')}, not ${this.#directory.identitiesOf(peer).join(' or ')}`,
      };
    }
    return this.#judgeTerms(peer, candidate, 'outbound');
  }

  #judgeTerms(peer: string, candidate: StreamCandidate, direction: Direction): Refusal | undefined {
    const terms = this.#directory.termsOf(peer);
    if (terms.spki.size > 0 && (candidate.spkiSha256 === undefined || !terms.spki.has(candidate.spkiSha256))) {
      return { kind: 'untrusted', reason: `the certificate key of ${peer} is not the pinned one (G1 trust.spki)` };
    }
    const cap = direction === 'inbound' ? terms.maxInboundFlows : terms.maxFlows;
    if (this.count(peer, direction) >= cap)
      return { kind: 'cap', reason: `${peer} already holds ${cap} ${direction} connections (F4)` };
    return undefined;
  }

  #idsOf(peer: string): Set<string> {
    let ids = this.#byPeer.get(peer);
    if (ids === undefined) {
      ids = new Set();
      this.#byPeer.set(peer, ids);
    }
    return ids;
  }
}

export type RefusalKind = keyof PeerFlowStats['refused'];

interface Refusal {
  readonly kind: RefusalKind;
  readonly reason: string;
}

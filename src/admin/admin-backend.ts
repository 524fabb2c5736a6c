// What the admin listener needs from the running edge (SPEC O3), declared here where it is used; the
// composition root (src/edge.ts) implements it. The admin layer knows HTTP and JSON, not SIP.

import type { StateStore } from '../state/state-store.js';

export interface FlowSummary {
  readonly id: string;
  readonly side: 'internal' | 'external';
  readonly protocol: string;
  readonly local: string;
  readonly remote: string;
  /** Domains the peer's verified certificate covers (TLS flows); empty otherwise. */
  readonly peerIdentity: readonly string[];
}

export interface PeerSummary {
  readonly domain: string;
  /** An agreement (G1) covers the peer; otherwise it is a discovered peer with the stricter limits. */
  readonly agreement: boolean;
  /** The limits in force for the peer: defaults merged with its agreement. */
  readonly limits: unknown;
  /** `connected` while a flow authenticated for the peer is open, else `idle` (one opens on demand). */
  readonly state: 'connected' | 'idle';
  /** Ids of the open flows authenticated for the peer. */
  readonly flows: readonly string[];
  /** G2: the peer's published policy document as last fetched (null before any attempt). */
  readonly policyDocument: {
    readonly url: string;
    readonly version?: number;
    readonly fetchedAt?: string;
    readonly problem?: string;
    readonly document?: unknown;
  } | null;
}

export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface RemovalSummary {
  readonly address: string;
  /** External watchers told with a terminating NOTIFY (X3). */
  readonly watchers: number;
  readonly acknowledged: number;
}

export interface AdminBackend {
  /** Prometheus text exposition of every metric. */
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  /** Listeners bound, store reachable … ; ready when every check is ok. */
  readiness(): Promise<readonly ReadinessCheck[]>;
  readonly store: StateStore;
  /** The domains this edge serves (lower case): only their users may be tombstoned (Y2). */
  readonly servedDomains: readonly string[];
  /** Y2 tombstone lifetime, for tombstones the operator adds. */
  readonly tombstoneSeconds: number;
  /** Y2 + X3: tombstone the address and tell its external watchers. */
  removeUser(address: string): Promise<RemovalSummary>;
  peers(): readonly PeerSummary[];
  flows(): readonly FlowSummary[];
  /** Close one flow; false when no open flow has that id. */
  closeFlow(id: string): boolean;
  /** G2: this community's policy document (XML). */
  policyDocument(): string;
  /** O4: the log level now in force. */
  logLevel: string;
}

// D1 static provisioning and G1 agreements, as the peers layer reads them: which peer domains this
// edge federates with (closed mode: routed, allowed or under an agreement; open mode: any not
// denied), which certificate names stand for each (the route's `identity`, default the domain), how
// many connections each may hold, and the keys pinned for it.

import type { EdgeConfig } from '../config/config-schema.js';
import { EdgeError } from '../errors.js';

export type PeerDirectoryConfig = Pick<EdgeConfig, 'domains' | 'routes' | 'discovery' | 'agreements' | 'limits'>;

export interface PeerTerms {
  readonly maxFlows: number;
  readonly maxInboundFlows: number;
  /** Pinned SPKI digests; empty: any key the CA vouches for. */
  readonly spki: ReadonlySet<string>;
}

export class PeerDirectory {
  #own: ReadonlySet<string> = new Set();
  #denied: ReadonlySet<string> = new Set();
  #provisioned: ReadonlySet<string> = new Set();
  #open = false;
  /** Peer domain → the certificate names that stand for it. */
  #identities = new Map<string, readonly string[]>();
  #terms = new Map<string, PeerTerms>();
  #defaultTerms!: PeerTerms;

  constructor(config: PeerDirectoryConfig) {
    this.reconfigure(config);
  }

  /** O2: a reloaded configuration; open flows are judged again only when they next connect. */
  reconfigure(config: PeerDirectoryConfig): void {
    this.#own = new Set(config.domains);
    this.#denied = new Set(config.discovery.deny);
    this.#open = config.discovery.federation === 'open';
    this.#identities = new Map(config.routes.map((route) => [route.domain, route.identity ?? [route.domain]]));
    this.#defaultTerms = {
      maxFlows: config.limits.maxFlowsPerPeer,
      maxInboundFlows: config.limits.maxInboundFlowsPerPeer,
      spki: new Set(),
    };
    this.#terms = new Map(
      config.agreements.map((agreement) => [
        agreement.peer,
        {
          maxFlows: agreement.maxFlows ?? this.#defaultTerms.maxFlows,
          maxInboundFlows: agreement.maxInboundFlows ?? this.#defaultTerms.maxInboundFlows,
          spki: new Set(agreement.trust.spki),
        },
      ]),
    );
    this.#provisioned = new Set([
      ...config.routes.map((r) => r.domain),
      ...config.discovery.allow,
      ...config.agreements.flatMap((a) => [a.peer, ...a.speaksFor]),
    ]);
  }

  isOwn(domain: string): boolean {
    return this.#own.has(domain.toLowerCase());
  }

  /** D1: why a peer domain may not federate with this edge, or undefined when it may. */
  refusal(domain: string): EdgeError | undefined {
    const key = domain.toLowerCase();
    if (this.#denied.has(key)) return new EdgeError('PEER_DENIED', `${key} is on discovery.deny`);
    if (!this.#open && !this.#provisioned.has(key)) {
      return new EdgeError(
        'PEER_NOT_ALLOWED',
        `${key} is not routed, allowed or under an agreement (closed federation)`,
      );
    }
    return undefined;
  }

  /** The certificate names that stand for a peer domain (D1 expected identity). */
  identitiesOf(domain: string): readonly string[] {
    const key = domain.toLowerCase();
    return this.#identities.get(key) ?? [key];
  }

  /**
   * The peer domains a verified certificate stands for: the names it carries, and every routed peer
   * whose expected identity it carries. The edge's own domains are never a peer.
   */
  peersOf(identity: readonly string[]): string[] {
    const peers = new Set(identity.filter((d) => !this.#own.has(d)));
    for (const [domain, names] of this.#identities) {
      if (names.some((name) => identity.includes(name))) peers.add(domain);
    }
    return [...peers];
  }

  /** Whether a verified certificate may stand for the peer domain (F4 reuse, outbound check). */
  covers(identity: readonly string[], domain: string): boolean {
    return this.identitiesOf(domain).some((name) => identity.includes(name));
  }

  /** G1: an agreement's caps and pins, else the defaults of limits. */
  termsOf(domain: string): PeerTerms {
    return this.#terms.get(domain.toLowerCase()) ?? this.#defaultTerms;
  }

  /** F7 companion: a routed peer's expected identities speak for it, as an agreement's speaksFor would. */
  identitySpeakers(): Array<{ peer: string; speaksFor: string[] }> {
    const speakers: Array<{ peer: string; speaksFor: string[] }> = [];
    for (const [domain, names] of this.#identities) {
      for (const name of names) if (name !== domain) speakers.push({ peer: name, speaksFor: [domain] });
    }
    return speakers;
  }
}

// The built-in community (SPEC I2): user directory, registrar and presence server over one
// StateStore. The edge composes it when `internal` says builtin; `simple-edge users` uses the directory.
import type { EdgeConfig } from '../config/config-schema.js';
import type { StateStore } from '../state/state-store.js';
import { DigestAuthenticator } from './digest-authenticator.js';
import { LocationService } from './location-service.js';
import { NonceIssuer } from './nonce-issuer.js';
import { Registrar } from './registrar.js';
import { UserDirectory } from './user-directory.js';

export interface CommunityOptions {
  readonly config: Pick<EdgeConfig, 'domains' | 'community' | 'policy'>;
  readonly store: StateStore;
  /** Wall-clock milliseconds (bindings and nonces outlive a restart). */
  readonly now: () => number;
}

export interface Community {
  readonly directory: UserDirectory;
  readonly registrar: Registrar;
  readonly realm: string;
}

export async function createCommunity(options: CommunityOptions): Promise<Community> {
  const { config, store, now } = options;
  const realm = communityRealm(config);
  const nonces = new NonceIssuer({ secret: await NonceIssuer.sharedSecret(store), lifetimeSeconds: config.community.registrar.nonceLifetimeSeconds, now });
  const directory = new UserDirectory({ store, now });
  const registrar = new Registrar({
    config: config.community.registrar, directory, store, now, tombstoneSeconds: config.policy.limits.tombstoneSeconds,
    location: new LocationService({ store, now }),
    authenticator: new DigestAuthenticator({ realm, algorithms: config.community.registrar.digestAlgorithms, nonces }),
  });
  return { directory, registrar, realm };
}

/** The digest realm: configured, else the first served domain. */
export function communityRealm(config: Pick<EdgeConfig, 'domains' | 'community'>): string {
  return config.community.registrar.realm ?? config.domains[0]!;
}

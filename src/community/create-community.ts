// The built-in community (SPEC I2): user directory, registrar and presence server over one
// StateStore. The edge composes it when `internal` says builtin; `simple-edge users` uses the directory.
import type { EdgeConfig } from '../config/config-schema.js';
import type { SubscriptionActions } from '../policy/subscriptions/subscription-actions.js';
import type { StateStore } from '../state/state-store.js';
import type { Side, TransportProtocol } from '../transport/flow.js';
import { CommunityCapabilities } from './community-capabilities.js';
import { DigestAuthenticator } from './digest-authenticator.js';
import { LocationService } from './location-service.js';
import { NonceIssuer } from './nonce-issuer.js';
import { PresenceNotifier } from './presence-notifier.js';
import { PresencePublications } from './presence-publications.js';
import { PresenceServer } from './presence-server.js';
import { PresenceSubscriptions } from './presence-subscriptions.js';
import { ProxyAuthentication } from './proxy-authentication.js';
import { PublicationHandler } from './publication-handler.js';
import { Registrar } from './registrar.js';
import { UserDirectory } from './user-directory.js';
import { WatcherAuthorization } from './watcher-authorization.js';

export interface PresenceWiring {
  /** How the presence server sends its NOTIFYs (the proxy layer's InDialogSender). */
  readonly actions: SubscriptionActions;
  /** The URI of the edge's listener on a side, for the Contact of its subscription dialogs. */
  readonly contactFor: (side: Side, protocol: TransportProtocol) => string;
  readonly onError: (error: unknown) => void;
}

export interface CommunityOptions {
  readonly config: Pick<EdgeConfig, 'domains' | 'community' | 'policy'>;
  readonly store: StateStore;
  /** Wall-clock milliseconds (bindings, nonces and subscriptions outlive a restart). */
  readonly now: () => number;
  /** Absent (the `users` command), the community has no presence server. */
  readonly presence?: PresenceWiring;
}

export interface Community {
  readonly directory: UserDirectory;
  readonly registrar: Registrar;
  readonly presence: PresenceServer | undefined;
  readonly capabilities: CommunityCapabilities;
  readonly realm: string;
  /** I2, X2: the internal side's requests of the methods `community.authenticate` names; absent when none. */
  readonly proxyAuthentication: ProxyAuthentication | undefined;
}

export async function createCommunity(options: CommunityOptions): Promise<Community> {
  const { config, store, now } = options;
  const realm = communityRealm(config);
  const nonces = new NonceIssuer({
    secret: await NonceIssuer.sharedSecret(store),
    lifetimeSeconds: config.community.registrar.nonceLifetimeSeconds,
    now,
  });
  const directory = new UserDirectory({ store, now });
  const authenticator = new DigestAuthenticator({
    realm,
    algorithms: config.community.registrar.digestAlgorithms,
    nonces,
  });
  const registrar = new Registrar({
    config: config.community.registrar,
    directory,
    store,
    now,
    tombstoneSeconds: config.policy.limits.tombstoneSeconds,
    location: new LocationService({ store, now }),
    authenticator,
  });
  const presence =
    options.presence === undefined ? undefined : createPresenceServer(options, directory, options.presence);
  // X3: a removed user's own watchers hear noresource from the presence server itself.
  if (presence !== undefined) registrar.onUserRemoved(presence);
  return {
    directory,
    registrar,
    presence,
    realm,
    capabilities: new CommunityCapabilities({ imModes: config.community.imModes }),
    proxyAuthentication:
      config.community.authenticate.length === 0
        ? undefined
        : new ProxyAuthentication({
            methods: config.community.authenticate,
            authenticator: authenticator.inRole('proxy'),
            directory,
            domains: config.domains,
            trustHeader: config.policy.trustHeader,
          }),
  };
}

function createPresenceServer(
  options: CommunityOptions,
  directory: UserDirectory,
  wiring: PresenceWiring,
): PresenceServer {
  const { config, store, now } = options;
  const publications = new PresencePublications({ store, now });
  const subscriptions = new PresenceSubscriptions({ store, now });
  const bound: { server?: PresenceServer } = {};
  const publisher = new PublicationHandler({
    config: config.community.presence,
    directory,
    publications,
    changed: (p) => bound.server?.changed(p),
  });
  bound.server = new PresenceServer({
    config: config.community.presence,
    confidential: config.policy.limits.confidential,
    directory,
    publications,
    subscriptions,
    publisher,
    notifier: new PresenceNotifier({ actions: wiring.actions, subscriptions, now }),
    authorization: new WatcherAuthorization({ localDomains: config.domains, presence: config.community.presence }),
    contactFor: wiring.contactFor,
    now,
    onError: wiring.onError,
  });
  return bound.server;
}

/** The digest realm: configured, else the first served domain. */
export function communityRealm(config: Pick<EdgeConfig, 'domains' | 'community'>): string {
  return config.community.registrar.realm ?? config.domains[0]!;
}

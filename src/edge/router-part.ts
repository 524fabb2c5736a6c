// I1, I3, D2: where a request goes. The community's own requests to the built-in components first,
// the rest by static routes and DNS; a router given in the options replaces both (tests, benches).

import type { Community } from '../community/create-community.js';
import type { EdgeConfig } from '../config/config-schema.js';
import type { LocalAddresses } from '../proxy/local-addresses.js';
import { CommunityRouter } from '../routing/community-router.js';
import { DiscoveryRouter } from '../routing/discovery-router.js';
import type { Router } from '../routing/route-types.js';
import type { Foundation } from './foundation.js';

export interface RouterParts {
  readonly base: Foundation;
  readonly local: LocalAddresses;
  readonly community: Community | undefined;
  readonly given: Router | undefined;
}

/** The router for a configuration (built again on reload, so new routes take effect). */
export function createRouter(config: EdgeConfig, parts: RouterParts): Router {
  if (parts.given !== undefined) return parts.given;
  const { base, local, community } = parts;
  return new CommunityRouter({
    inner: new DiscoveryRouter({ config, clock: base.clock, logger: base.log, discovery: base.discovery }),
    config,
    ...(community === undefined ? {} : { community }),
    isOwnAddress: (uri) => local.isOwnUri(uri) !== undefined,
    forking: config.community.forking,
  });
}

// The community facts the rules read (P3, X2), built once from config `policy` at start-up: the
// no-presence addresses in the one spelling the rules compare (src/sip/address-of-record.ts).

import { parseAddress } from '../sip/address-of-record.js';
import type { CommunityFacts } from './policy-context.js';

export interface CommunityConfig {
  readonly noPresenceAddresses: readonly string[];
  readonly trustHeader: string;
}

/** Throws EdgeError CONFIG_INVALID naming an entry of noPresenceAddresses that is not an address. */
export function createCommunityFacts(config: CommunityConfig): CommunityFacts {
  return {
    noPresenceAddresses: new Set(config.noPresenceAddresses.map(parseAddress)),
    trustHeader: config.trustHeader,
  };
}

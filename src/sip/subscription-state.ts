// Subscription-State (RFC 6665 §8.2.3): active / pending / terminated with expires, reason, retry-after.

import { HeaderScanner } from './header-scanner.js';
import { scanHeaderParams, type HeaderParams } from './header-params.js';

export interface SubscriptionState {
  /** Lowercased: "active", "pending", "terminated" or an extension value. */
  readonly state: string;
  readonly expires: number | undefined;
  readonly reason: string | undefined;
  readonly retryAfter: number | undefined;
  readonly params: HeaderParams;
}

export function parseSubscriptionState(value: string): SubscriptionState {
  const scanner = new HeaderScanner('Subscription-State', value);
  const state = scanner.token('a substate value').toLowerCase();
  const params = scanHeaderParams(scanner);
  scanner.expectEnd();
  return {
    state,
    expires: seconds(scanner, params, 'expires'),
    reason: params.get('reason')?.toLowerCase() ?? undefined,
    retryAfter: seconds(scanner, params, 'retry-after'),
    params,
  };
}

function seconds(scanner: HeaderScanner, params: HeaderParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (value === null || !/^\d{1,10}$/.test(value)) scanner.fail(`${name} "${value}" is not delta-seconds`);
  return Number(value);
}

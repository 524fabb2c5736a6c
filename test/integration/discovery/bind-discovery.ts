// Shared by the discovery integration tests: a discovery layer built exactly as the edge builds it,
// asking the test's bind9 (test/support/bind9.ts) on its loopback port, on a real timer wheel.

import { TimerWheel } from '../../../src/clock/timer-wheel.js';
import { discoverySchema, type DiscoveryConfig } from '../../../src/config/discovery-schema.js';
import { createDiscovery, type Discovery } from '../../../src/discovery/create-discovery.js';
import type { Bind9 } from '../../support/bind9.js';

const clocks: TimerWheel[] = [];

export function discoveryConfig(bind: Bind9, overrides: Record<string, unknown> = {}): DiscoveryConfig {
  return discoverySchema.parse({ resolvers: [bind.resolver], timeoutMs: 1_000, retries: 1, ...overrides });
}

export function bindDiscovery(bind: Bind9, overrides: Record<string, unknown> = {}): Discovery {
  const clock = new TimerWheel();
  clock.start();
  clocks.push(clock);
  return createDiscovery(discoveryConfig(bind, overrides), { clock });
}

/** For afterAll: the wheels' intervals are unref'd, but a test file should leave nothing running. */
export function stopClocks(): void {
  for (const clock of clocks.splice(0)) clock.stop();
}

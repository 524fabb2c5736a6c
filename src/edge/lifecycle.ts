// The edge's stopping and reloading, apart from what it stops or reloads: the O5 drain's wait, the
// grace given to live transactions, and which changed sections only a restart applies (O2).

import type { EdgeConfig } from '../config/config-schema.js';

/** Sections bound into sockets, files or the store at start-up. */
const RESTART_SECTIONS = ['domains', 'listen', 'tls', 'limits', 'state', 'admin', 'audit'] as const;

/** O2: the changed sections that take effect only at the next restart. */
export function changedSections(current: EdgeConfig, next: EdgeConfig): string[] {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const needsRestart: string[] = RESTART_SECTIONS.filter((key) => !same(current[key], next[key]));
  if (!same(current.discovery.resolvers, next.discovery.resolvers)) needsRestart.push('discovery.resolvers');
  if (!same(current.policy.subscriptions, next.policy.subscriptions)) needsRestart.push('policy.subscriptions');
  // I2: the authentication of the community's requests is built with the community, at start.
  if (!same(current.community.authenticate, next.community.authenticate)) needsRestart.push('community.authenticate');
  return needsRestart;
}

/** O5: until no transaction waits for a final response, or `graceMs` has passed. */
export async function waitForUnanswered(transactions: { readonly unanswered: number }, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (transactions.unanswered > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Resolves after `ms`, or at once when `signal` aborts (a second SIGTERM ends the drain). */
export function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

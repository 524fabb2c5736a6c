// SPEC I5: one request forked to several contacts of a user (RFC 3261 §16.6-16.7, RFC 3428 for
// MESSAGE). Each branch is a ForwardingContext of its own (its Request-URI, its Via branch, its client
// transaction, its serial failover among the targets of its contact) that reports here; this context
// decides what goes upstream:
//   provisional (not 100) ───────────────► relayed while no final has gone up (§16.7 step 5)
//   2xx, non-INVITE ─────────────────────► the first goes up, later finals are absorbed (RFC 3428 §7)
//   2xx, INVITE ─────────────────────────► every one goes up; the other branches are CANCELled (§16.7 step 10)
//   6xx ─────────────────────────────────► goes up, the fork ends, pending INVITE branches are CANCELled (§16.7 step 9)
//   every branch of a group failed ──────► the next group (lower q), else the best final (§16.7 step 6)
//   CANCEL from upstream ────────────────► every pending branch is cancelled (§16.10)
// A SUBSCRIBE forks like a MESSAGE: each device that accepts makes its own dialog and NOTIFYs
// (RFC 6665 §4.1.4), which reach the subscriber through the edge like any in-dialog request.

import type { IncomingResponse } from '../sip/incoming-message.js';
import type { ForkGroup } from '../routing/route-types.js';
import { bestStatus } from './best-response.js';
import {
  ForwardingContext,
  type ForkParent,
  type ForwardedOutcome,
  type ForwardingInput,
  type Relay,
} from './forwarding-context.js';
import type { ProxyDeps } from './proxy-deps.js';
import { answerForTargets, relayFinalResponse, relayResponse } from './upstream-relay.js';

export class ForkContext implements Relay, ForkParent {
  readonly #deps: ProxyDeps;
  readonly #input: ForwardingInput;
  readonly #groups: readonly ForkGroup[];
  readonly #isInvite: boolean;
  /** The branches of the group under way that have not ended. */
  readonly #live = new Set<ForwardingContext>();
  /** What every ended branch ended with, across groups, in the order they ended. */
  readonly #outcomes: ForwardedOutcome[] = [];
  #group = 0;
  /** Via branch numbers used so far: each target of each branch gets its own (§16.6 step 8). */
  #attempts = 0;
  /** A final response (or the first 2xx) has gone upstream: later finals are absorbed. */
  #finalSent = false;
  #cancelled = false;

  constructor(deps: ProxyDeps, input: ForwardingInput, groups: readonly ForkGroup[]) {
    this.#deps = deps;
    this.#input = input;
    this.#groups = groups;
    this.#isInvite = input.serverTransaction.request.method === 'INVITE';
  }

  start(): void {
    const request = this.#input.serverTransaction.request;
    const branches = this.#groups.reduce((sum, group) => sum + group.length, 0);
    // SPEC I5: the decision to fork is visible per request: a log line with the Call-ID, and the metric.
    this.#deps.metrics.countFork(request.method, branches);
    this.#deps.log.debug(
      {
        callId: request.callId,
        transaction: this.#input.serverTransaction.id,
        method: request.method,
        branches,
        groups: this.#groups.map((group) => group.length),
      },
      'forking to every binding (I5)',
    );
    this.#startGroup();
  }

  /** §16.10: an upstream CANCEL: no further group, and every pending branch cancelled. */
  cancel(): void {
    this.#cancelled = true;
    for (const branch of this.#live) branch.cancel();
  }

  provisional(response: IncomingResponse): void {
    if (!this.#finalSent) relayResponse(this.#deps, this.#input, response);
  }

  succeeded(branch: ForwardingContext, response: IncomingResponse): void {
    this.#live.delete(branch);
    if (this.#isInvite) {
      // §16.7 step 10: every 2xx to an INVITE goes up; the caller's UA decides which dialog it keeps.
      void relayFinalResponse(this.#deps, this.#input, response);
      if (!this.#finalSent) this.#endFork();
      return;
    }
    if (this.#finalSent) return this.#absorbed(response.status);
    this.#endFork();
    void relayFinalResponse(this.#deps, this.#input, response);
  }

  ended(branch: ForwardingContext, outcome: ForwardedOutcome): void {
    this.#live.delete(branch);
    if (this.#finalSent) return this.#absorbed(outcome.status);
    this.#outcomes.push(outcome);
    if (outcome.status >= 600 && outcome.response !== undefined) {
      // §16.7 step 9: a global failure ends the search at once.
      this.#endFork();
      return void relayFinalResponse(this.#deps, this.#input, outcome.response);
    }
    if (this.#live.size > 0) return;
    if (!this.#cancelled && this.#group < this.#groups.length) return this.#startGroup();
    this.#finish();
  }

  /** RFC 3261 §16.6: the branches of one q-value group, each with its own targets and Request-URI. */
  #startGroup(): void {
    const group = this.#groups[this.#group++]!;
    const branches = group.map((branch) => {
      const firstAttempt = this.#attempts;
      this.#attempts += branch.targets.length;
      const input = { ...this.#input, targets: branch.targets, requestUri: branch.requestUri };
      return new ForwardingContext(this.#deps, input, { parent: this, firstAttempt });
    });
    for (const branch of branches) this.#live.add(branch);
    // Started once all are live: a branch that ends at once must not look like the group's last.
    for (const branch of branches) branch.start();
  }

  /** A final has gone up: the other branches stop; INVITE branches get a CANCEL (§16.7 step 10, §16.10). */
  #endFork(): void {
    this.#finalSent = true;
    for (const branch of this.#live) branch.cancel();
  }

  /** §16.7 step 6: every branch of every group tried has ended without a 2xx or 6xx. */
  #finish(): void {
    this.#finalSent = true;
    const outcomes = this.#outcomes;
    const status = this.#cancelled && outcomes.length === 0 ? 487 : bestStatus(outcomes);
    const downstream = outcomes.find((o) => o.status === status && o.response !== undefined)?.response;
    if (downstream !== undefined) return void relayFinalResponse(this.#deps, this.#input, downstream);
    answerForTargets(this.#deps, this.#input, status, outcomes);
  }

  #absorbed(status: number): void {
    this.#deps.log.debug(
      { callId: this.#input.serverTransaction.request.callId, transaction: this.#input.serverTransaction.id, status },
      'later final response of a forked request absorbed (I5)',
    );
  }
}

// What a built-in component decides for a request (SPEC I2): answer it here, as the UAS, or send it
// on to the contacts the location service holds. Declared here; routing turns it into a RouteDecision.
import type { RegistrationFlow } from './registration-flow.js';

export interface LocalAnswer {
  readonly kind: 'answer';
  readonly status: number;
  readonly reason?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** The To tag of the dialog this answer creates (a subscription); fresh when absent. */
  readonly toTag?: string;
  readonly body?: Buffer;
  readonly contentType?: string;
  /** The SPEC ID or RFC section behind the answer, for the log line and the metric. */
  readonly because: string;
  /** Runs once the answer is sent: RFC 6665 §4.2.1.2 wants the initial NOTIFY after the 200. */
  readonly afterAnswer?: () => void;
}

export interface ContactForward {
  readonly kind: 'forward';
  /** Contact URIs in the order they are tried (RFC 3261 §16.5 targets from the location service). */
  readonly contacts: readonly string[];
  /** I5: each contact's q-value (RFC 3261 §16.6), in the same order; absent when there is one contact. */
  readonly qValues?: readonly number[];
  /** SPEC I7: per contact, the connection it is reached over instead of its host (registration-flow.ts). */
  readonly flows?: ReadonlyArray<RegistrationFlow | undefined>;
}

export type CommunityAnswer = LocalAnswer | ContactForward;

export function answer(
  status: number,
  because: string,
  extra: Omit<LocalAnswer, 'kind' | 'status' | 'because'> = {},
): LocalAnswer {
  return { kind: 'answer', status, because, ...extra };
}

/** RFC 3261 §20.43: the Warning a refusal carries, from the edge's own agent name. */
export function warningHeader(text: string): readonly [string, string] {
  return ['Warning', `399 simple-edge "${text.replace(/["\\]/g, '')}"`];
}

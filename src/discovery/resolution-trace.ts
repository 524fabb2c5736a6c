// What a resolution did, step by step (D8): the stages, every DNS question with the records and
// TTLs it got back, and each rule chosen with the reason. The router passes none (nothing is
// recorded on the hot path); `simple-edge resolve` passes one and prints it.

import type { DnsAnswer } from './dns-cache.js';
import type { RecordType } from './dns-records.js';

/** network: this lookup asked a resolver; cache: a kept answer; shared: joined a query in flight. */
export type AnswerSource = 'network' | 'cache' | 'shared';

export type TraceStep =
  | { readonly kind: 'stage'; readonly text: string }
  | { readonly kind: 'query'; readonly source: AnswerSource; readonly answer: DnsAnswer; readonly secondsLeft: number }
  | { readonly kind: 'query-failed'; readonly name: string; readonly type: RecordType; readonly error: string }
  | { readonly kind: 'decision'; readonly text: string };

export class ResolutionTrace {
  readonly steps: TraceStep[] = [];

  /** A new stage of the resolution: "ENUM +43…", "RFC 3263 for b.example.net". */
  stage(text: string): void {
    this.steps.push({ kind: 'stage', text });
  }

  query(answer: DnsAnswer, source: AnswerSource, nowMs: number): void {
    const secondsLeft = Math.max(0, Math.ceil((answer.expiresAtMs - nowMs) / 1000));
    this.steps.push({ kind: 'query', source, answer, secondsLeft: source === 'cache' ? secondsLeft : answer.ttl });
  }

  queryFailed(name: string, type: RecordType, error: string): void {
    this.steps.push({ kind: 'query-failed', name, type, error });
  }

  /** A rule or record chosen (or passed over), and why. */
  decision(text: string): void {
    this.steps.push({ kind: 'decision', text });
  }
}

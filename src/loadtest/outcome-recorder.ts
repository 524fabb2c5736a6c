// What a load run observed, per scenario: outcomes, latency (HdrHistogram, microseconds, so p99.9 is
// exact to three digits however long the tail), a per-second timeline for the charts, and how many
// requests of each dialog reached the far side (for "at most N per dialog crossed" expectations).

import { build, type Histogram } from 'hdr-histogram-js';
import type { FarCounts } from './far-side.js';

/** Latencies up to 10 minutes, three significant digits. */
function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export interface SecondSample {
  /** Seconds since the start of the run. */
  readonly second: number;
  sent: number;
  completed: number;
  readonly latency: Histogram;
}

export class ScenarioRecord {
  readonly outcomes = new Map<string, number>();
  readonly latency = newHistogram();
  /** Requests of each dialog (Call-ID) that reached the far side: kept only when an expectation asks. */
  readonly crossedPerDialog = new Map<string, number>();
  sent = 0;
  completed = 0;
  /** Operations due while `concurrency` were already outstanding: not sent. */
  skipped = 0;
  crossed = 0;

  constructor(readonly trackDialogs: boolean) {}
}

export class OutcomeRecorder {
  scenarios: ScenarioRecord[] = [];
  timeline: SecondSample[] = [];
  startedAt = 0;
  readonly #trackDialogs: readonly boolean[];
  #endedAt: number | undefined;

  constructor(options: { trackDialogs: readonly boolean[]; now: number }) {
    this.#trackDialogs = options.trackDialogs;
    this.restart(options.now);
  }

  /** Forgets everything: what scenarios did to prepare (establishing dialogs) is not the load. */
  restart(now: number): void {
    this.scenarios = this.#trackDialogs.map((track) => new ScenarioRecord(track));
    this.timeline = [];
    this.startedAt = now;
    this.#endedAt = undefined;
  }

  get elapsedMs(): number {
    return (this.#endedAt ?? performance.now()) - this.startedAt;
  }

  end(now: number): void {
    this.#endedAt = now;
  }

  sent(scenario: number, now: number): void {
    this.scenarios[scenario]!.sent++;
    this.#second(now).sent++;
  }

  skipped(scenario: number): void {
    this.scenarios[scenario]!.skipped++;
  }

  /** A finished operation: its outcome name and, unless it timed out, its latency. */
  completed(scenario: number, outcome: string, latencyMs: number | undefined, now: number): void {
    const record = this.scenarios[scenario]!;
    record.completed++;
    record.outcomes.set(outcome, (record.outcomes.get(outcome) ?? 0) + 1);
    const second = this.#second(now);
    second.completed++;
    if (latencyMs === undefined) return;
    const micros = Math.max(1, Math.round(latencyMs * 1000));
    record.latency.recordValue(micros);
    second.latency.recordValue(micros);
  }

  /** What the far side counted during the run (it runs in a thread of its own). */
  applyFarCounts(counts: FarCounts): void {
    counts.crossed.forEach((count, i) => {
      if (this.scenarios[i] !== undefined) this.scenarios[i].crossed = count;
    });
    for (const [i, dialogs] of counts.perDialog) {
      const record = this.scenarios[i];
      if (record !== undefined) for (const [callId, count] of dialogs) record.crossedPerDialog.set(callId, count);
    }
  }

  /** Totals so far, for the progress display. */
  totals(): { sent: number; completed: number; outcomes: Map<string, number> } {
    const outcomes = new Map<string, number>();
    let sent = 0;
    let completed = 0;
    for (const record of this.scenarios) {
      sent += record.sent;
      completed += record.completed;
      for (const [name, count] of record.outcomes) outcomes.set(name, (outcomes.get(name) ?? 0) + count);
    }
    return { sent, completed, outcomes };
  }

  #second(now: number): SecondSample {
    const second = Math.max(0, Math.floor((now - this.startedAt) / 1000));
    let last = this.timeline[this.timeline.length - 1];
    while (last === undefined || last.second < second) {
      last = { second: last === undefined ? 0 : last.second + 1, sent: 0, completed: 0, latency: newHistogram() };
      this.timeline.push(last);
    }
    // A late completion of an earlier second (clock order is monotonic, so this is rare) counts in the last.
    return last;
  }
}

/** The outcome name of a final response: 404 is told apart by whether the request crossed the border. */
export function outcomeOf(status: number, crossed: boolean): string {
  if (status >= 200 && status < 300) return '2xx';
  if (status === 404 && !crossed) return '404-at-border';
  return String(status);
}

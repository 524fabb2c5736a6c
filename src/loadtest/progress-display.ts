// The live progress line of a load run (cli-progress): elapsed time, the rate achieved in the last
// second and the outcomes so far. Only on a terminal: piped output gets the report alone.

import { SingleBar } from 'cli-progress';
import type { OutcomeRecorder } from './outcome-recorder.js';

export interface ProgressDisplay {
  update(recorder: OutcomeRecorder, elapsedMs: number): void;
  stop(): void;
}

const SILENT: ProgressDisplay = { update: () => undefined, stop: () => undefined };

/** A bar on `stream` when it is a TTY, otherwise nothing. */
export function createProgressDisplay(options: {
  durationSeconds: number;
  stream?: NodeJS.WriteStream;
}): ProgressDisplay {
  const stream = options.stream ?? process.stdout;
  if (stream.isTTY !== true) return SILENT;
  const bar = new SingleBar({
    stream,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 1,
    // {value}/{total} are the elapsed and planned seconds ({duration} is cli-progress's own token).
    format: '{bar} {value}/{total} s | {rate}/s | {completed} done | {outcomes}',
  });
  bar.start(options.durationSeconds, 0, { rate: 0, completed: 0, outcomes: '' });
  let lastCompleted = 0;
  let lastMs = 0;
  return {
    update(recorder, elapsedMs) {
      const totals = recorder.totals();
      const seconds = (elapsedMs - lastMs) / 1000;
      if (seconds < 0.9) return;
      const rate = Math.round((totals.completed - lastCompleted) / seconds);
      lastCompleted = totals.completed;
      lastMs = elapsedMs;
      const outcomes = [...totals.outcomes]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, count]) => `${name} ${count}`)
        .join(' ');
      const elapsed = Math.min(options.durationSeconds, Math.round(elapsedMs / 1000));
      bar.update(elapsed, { rate, completed: totals.completed, outcomes });
    },
    stop() {
      bar.stop();
    },
  };
}

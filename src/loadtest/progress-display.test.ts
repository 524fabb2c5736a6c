import { describe, expect, it } from 'vitest';
import { OutcomeRecorder } from './outcome-recorder.js';
import { createProgressDisplay } from './progress-display.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string } {
  const stream = {
    isTTY,
    columns: 120,
    written: '',
    write(chunk: string): boolean {
      stream.written += chunk;
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => stream,
    removeListener: () => stream,
  };
  return stream as unknown as NodeJS.WriteStream & { written: string };
}

describe('L1 the live progress line', () => {
  it('L1 is drawn on a terminal, with the elapsed seconds, the rate achieved and the outcomes so far', () => {
    const stream = fakeStream(true);
    const recorder = new OutcomeRecorder({ trackDialogs: [false], now: 0 });
    const display = createProgressDisplay({ durationSeconds: 10, stream });
    for (let i = 0; i < 50; i++) recorder.completed(0, i % 5 === 0 ? '503' : '2xx', 1, 500);
    display.update(recorder, 1000);
    display.stop();
    expect(stream.written).toMatch(/1\/10 s \| 50\/s \| 50 done \| 2xx 40 503 10/);
  });

  it('L1 writes nothing when the output is not a terminal (piped into a file or CI)', () => {
    const stream = fakeStream(false);
    const display = createProgressDisplay({ durationSeconds: 10, stream });
    display.update(new OutcomeRecorder({ trackDialogs: [false], now: 0 }), 1000);
    display.stop();
    expect(stream.written).toBe('');
  });
});

// A plain throughput loop for sub-microsecond operations: warm up, then time batches for a fixed
// duration, several rounds, and keep the median round. Figures are printed, never asserted.

export interface Rate {
  readonly opsPerSecond: number;
  readonly microsPerOp: number;
}

export function measure(fn: () => unknown, options: { rounds?: number; roundMs?: number } = {}): Rate {
  const rounds = options.rounds ?? 5;
  const roundMs = options.roundMs ?? 400;
  runFor(fn, 150); // warm-up: let the JIT settle
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) rates.push(runFor(fn, roundMs));
  rates.sort((a, b) => a - b);
  const opsPerSecond = rates[Math.floor(rates.length / 2)]!;
  return { opsPerSecond, microsPerOp: 1e6 / opsPerSecond };
}

let sink: unknown;

function runFor(fn: () => unknown, ms: number): number {
  const deadline = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  const start = process.hrtime.bigint();
  let ops = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 256; i++) sink = fn();
    ops += 256;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

export function keepAlive(): unknown {
  return sink;
}

export function formatRate(rate: Rate): string {
  return `${Math.round(rate.opsPerSecond).toLocaleString('en-US').padStart(11)} /s ${rate.microsPerOp.toFixed(2).padStart(7)} µs`;
}

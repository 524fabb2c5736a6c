// State store latency per backend: get and takeToken one at a time (the latency a SIP request waits
// for) and 64 at a time (the throughput several transactions in flight get). Memory is the baseline
// the ratios are taken against, measured in the same run. Redis is included when redis-server is
// installed (a throw-away server on loopback). Figures are printed, never asserted.
// Run: node --import tsx bench/state.bench.ts

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryStore } from '../src/state/memory-store.js';
import { RedisStore } from '../src/state/redis-store.js';
import { SqliteStore } from '../src/state/sqlite-store.js';
import type { StateStore } from '../src/state/state-store.js';
import { findProgram } from '../test/support/apt.js';
import { startRedisServer, type RunningRedis } from '../test/support/redis-server.js';

const OPERATIONS = 20_000;
const CONCURRENCY = 64;
const BUCKET = { capacity: 1e9, refillPerSecond: 1e6 };

type Operation = (store: StateStore, index: number) => Promise<unknown>;

const operations: Record<string, Operation> = {
  get: (store, i) => store.get(`604:sip:user${i % 1000}@b.example.net`),
  takeToken: (store, i) => store.takeToken(`rate:sender:${i % 100}`, BUCKET),
};

/** Microseconds per operation, with `concurrency` operations in flight. */
async function timeOperation(store: StateStore, operation: Operation, concurrency: number): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < OPERATIONS) await operation(store, next++);
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Number(process.hrtime.bigint() - started) / 1000 / OPERATIONS;
}

async function measureBackend(name: string, store: StateStore, baseline: Map<string, number>): Promise<void> {
  for (let i = 0; i < 1000; i++)
    await store.set(`604:sip:user${i}@b.example.net`, { reason: 'gone', until: i }, { ttlMs: 86_400_000 });
  for (const [label, operation] of Object.entries(operations)) {
    await timeOperation(store, operation, 1); // warm-up
    for (const concurrency of [1, CONCURRENCY]) {
      const micros = await timeOperation(store, operation, concurrency);
      const key = `${label}/${concurrency}`;
      if (!baseline.has(key)) baseline.set(key, micros);
      const ratio = micros / baseline.get(key)!;
      console.log(
        `${name.padEnd(7)} ${label.padEnd(10)} ×${String(concurrency).padEnd(3)} ${micros.toFixed(2).padStart(8)} µs/op  ${ratio.toFixed(1).padStart(6)}× memory`,
      );
    }
  }
  await store.close();
}

async function main(): Promise<void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'simple-edge-bench-'));
  const baseline = new Map<string, number>();
  let redis: RunningRedis | undefined;
  try {
    await measureBackend('memory', new MemoryStore(), baseline);
    await measureBackend('sqlite', new SqliteStore({ path: path.join(directory, 'state.db') }), baseline);
    if (findProgram(['redis-server']) === undefined) {
      console.log('redis    skipped: redis-server is not installed (apt-get install redis-server)');
      return;
    }
    redis = await startRedisServer();
    await measureBackend('redis', await RedisStore.connect({ url: redis.url }), baseline);
  } finally {
    await redis?.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();

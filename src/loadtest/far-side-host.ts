// Starting the far side: in a worker thread (the default: the generator keeps its core), or in
// this thread (one core, or a debugger). Either way the run sees contacts, notes and final counts.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CrossingCounter, FarSideListener, type FarCounts, type PeerIdentity } from './far-side.js';
import type { FarNote, LoadScenario } from './load-scenario.js';
import type { ScenarioFile } from './scenario-schema.js';

export interface FarSideWorkerData {
  readonly file: ScenarioFile;
  readonly tls: { readonly cert: Uint8Array; readonly key: Uint8Array; readonly ca: Uint8Array };
  readonly trackDialogs: readonly boolean[];
}

export type ToFarSide = { readonly type: 'reset' } | { readonly type: 'finish' };
export type FromFarSide =
  | { readonly type: 'listening'; readonly community?: string; readonly peer?: string }
  | { readonly type: 'note'; readonly index: number; readonly note: Record<string, unknown> }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'counts'; readonly counts: FarCounts };

export interface FarSide {
  readonly communityContact: string | undefined;
  readonly peerContact: string | undefined;
  /** Forget what crossed so far (preparation is not load). */
  reset(): void;
  /** Close the listeners; what crossed during the run. */
  finish(): Promise<FarCounts>;
}

export interface FarSideOptions {
  readonly file: ScenarioFile;
  readonly tls: PeerIdentity;
  readonly scenarios: readonly LoadScenario[];
  readonly trackDialogs: readonly boolean[];
  readonly thread: 'worker' | 'inline';
}

export function startFarSide(options: FarSideOptions): Promise<FarSide> {
  return options.thread === 'worker' ? startWorker(options) : startInline(options);
}

async function startInline(options: FarSideOptions): Promise<FarSide> {
  const counter = new CrossingCounter(options.trackDialogs);
  const common = {
    scenarios: options.scenarios,
    crossed: counter.crossed.bind(counter),
    noted: (index: number, note: FarNote) => options.scenarios[index]?.learn?.(note),
  };
  const { listen } = options.file;
  const community =
    listen.community === undefined
      ? undefined
      : await FarSideListener.start(listen.community, { ...common, user: 'community' });
  const peer =
    listen.peer === undefined
      ? undefined
      : await FarSideListener.start(listen.peer, { ...common, tls: options.tls, user: 'peer' }).catch(
          async (error: unknown) => {
            await community?.close();
            throw error;
          },
        );
  return {
    communityContact: community?.contact,
    peerContact: peer?.contact,
    reset: () => counter.reset(),
    finish: async () => {
      await Promise.all([community?.close(), peer?.close()]);
      return counter.counts();
    },
  };
}

/**
 * The worker: the compiled module, or — under a TypeScript runner (the tests run the sources) — a
 * small script that registers tsx in the worker first, since loader flags do not reach workers.
 */
function createWorker(data: FarSideWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./far-side-worker.js', import.meta.url), { workerData: data });
  const tsx = pathToFileURL(tsxEsmApi()).href;
  const entry = new URL('./far-side-worker.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(script, { eval: true, workerData: data });
}

/** tsx's ESM API module, as its package's exports map names it (require.resolve would give the CommonJS one). */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (
    JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }
  ).exports;
  return path.join(path.dirname(manifest), exports['./esm/api']!.import.default);
}

function startWorker(options: FarSideOptions): Promise<FarSide> {
  const worker = createWorker({ file: options.file, tls: options.tls, trackDialogs: options.trackDialogs });
  let finished: ((counts: FarCounts) => void) | undefined;
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the far side's worker exited (${code}) before it listened`)));
    worker.on('message', (message: FromFarSide) => {
      if (message.type === 'note') options.scenarios[message.index]?.learn?.(message.note as FarNote);
      if (message.type === 'counts') finished?.(message.counts);
      if (message.type === 'error') reject(new Error(message.message));
      if (message.type !== 'listening') return;
      worker.removeAllListeners('exit');
      resolve({
        communityContact: message.community,
        peerContact: message.peer,
        reset: () => worker.postMessage({ type: 'reset' } satisfies ToFarSide),
        finish: () =>
          new Promise<FarCounts>((done) => {
            finished = done;
            worker.once('exit', () => done({ crossed: [], perDialog: [] }));
            worker.postMessage({ type: 'finish' } satisfies ToFarSide);
          }),
      });
    });
  });
}

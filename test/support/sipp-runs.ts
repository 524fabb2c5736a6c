// Test helper: the SIPp user agents one test file starts against an edge — each with the file's
// common options, all stopped together after a test, and awaited with the run (and whatever else
// the file can tell, e.g. a third-party server's log) described when one failed.

import { expect } from 'vitest';
import { describeSippRun, SippProcess, type SippOptions, type SippResult } from './sipp.js';

export interface SippRunsOptions {
  /** Options every run of the file shares (log directory, transport, the edge's address …). */
  readonly common: () => Omit<SippOptions, 'name' | 'scenario' | 'basePort'>;
  /** More to print when a run failed. */
  readonly diagnostics?: () => string;
}

export class SippRuns {
  readonly #options: SippRunsOptions;
  readonly #running = new Set<SippProcess>();

  constructor(options: SippRunsOptions) {
    this.#options = options;
  }

  /** A user agent client: sends to the common `remote`. */
  start(name: string, scenario: string, options: Partial<SippOptions> & { basePort: number }): SippProcess {
    return this.#track(SippProcess.start({ ...this.#options.common(), name, scenario, ...options }));
  }

  /** A user agent server: waits at `basePort` for what the edge sends it, so no `remote`. */
  startServer(
    name: string,
    scenario: string,
    options: Partial<Omit<SippOptions, 'remote'>> & { basePort: number },
  ): SippProcess {
    const { remote: _remote, ...common } = this.#options.common();
    return this.#track(SippProcess.start({ ...common, name, scenario, ...options }));
  }

  #track(process: SippProcess): SippProcess {
    this.#running.add(process);
    return process;
  }

  /** The run's result, once it exited 0 (every call succeeded); the test fails with its story otherwise. */
  async succeeded(process: SippProcess): Promise<SippResult> {
    const result = await process.exited;
    const diagnostics = this.#options.diagnostics?.();
    expect(
      result.exitCode,
      diagnostics === undefined ? describeSippRun(result) : `${describeSippRun(result)}\n${diagnostics}`,
    ).toBe(0);
    return result;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#running].map((sipp) => sipp.stop()));
    this.#running.clear();
  }
}

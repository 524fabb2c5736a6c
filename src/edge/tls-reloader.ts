// SPEC O2: certificates, CA bundle and CRLs are re-read on SIGHUP and when one of their files
// changes; the new set serves new handshakes while live connections carry on. A file that cannot
// be read or used leaves the old material serving, and the log says which file and why.

import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { readTlsFiles, tlsSourcePaths, type TlsSource } from './tls-files.js';
import type { TlsOptions } from '../transport/transport-options.js';

/** The part of the transport layer a reload needs. */
export interface TlsTarget {
  reloadTls(options: TlsOptions): void;
}

export interface TlsReloadLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface TlsReloaderOptions {
  readonly source: TlsSource;
  readonly target: TlsTarget;
  readonly log: TlsReloadLog;
  /** How often watched files are polled; polling survives the rename an atomic replacement does. */
  readonly pollIntervalMs?: number;
  /** A certificate and its key are replaced one after the other: reload once both settled. */
  readonly debounceMs?: number;
}

export type ReloadOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export class TlsReloader {
  readonly #options: TlsReloaderOptions;
  readonly #watched: string[] = [];
  #pending: NodeJS.Timeout | undefined;
  readonly #onSignal = (): void => {
    this.reload('SIGHUP');
  };

  constructor(options: TlsReloaderOptions) {
    this.#options = options;
  }

  /** Reads every file again and hands the set to the transport; on failure the old set stays. */
  reload(cause: string): ReloadOutcome {
    try {
      this.#options.target.reloadTls(readTlsFiles(this.#options.source));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#options.log.error({ cause, reason }, `tls reload failed, the current certificates stay in use: ${reason}`);
      return { ok: false, reason };
    }
    this.#options.log.info(
      { cause, files: tlsSourcePaths(this.#options.source) },
      'tls certificates reloaded for new connections',
    );
    return { ok: true };
  }

  /** Reload on SIGHUP and whenever a file of the source changes, until stop(). */
  start(): void {
    process.on('SIGHUP', this.#onSignal);
    const interval = this.#options.pollIntervalMs ?? 2000;
    for (const path of new Set(tlsSourcePaths(this.#options.source))) {
      watchFile(path, { interval, persistent: false }, this.#onFileChange);
      this.#watched.push(path);
    }
  }

  stop(): void {
    process.off('SIGHUP', this.#onSignal);
    for (const path of this.#watched.splice(0)) unwatchFile(path, this.#onFileChange);
    clearTimeout(this.#pending);
  }

  readonly #onFileChange = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
    clearTimeout(this.#pending);
    this.#pending = setTimeout(() => this.reload('file changed'), this.#options.debounceMs ?? 500);
    this.#pending.unref();
  };
}

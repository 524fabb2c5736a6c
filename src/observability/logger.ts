// One structured logger for the process (pino): one JSON line per event, correlated by Call-ID.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level: string; name?: string }): Logger {
  return pino({ level: options.level, name: options.name ?? 'simple-edge', base: undefined });
}

/** A logger that writes nothing, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

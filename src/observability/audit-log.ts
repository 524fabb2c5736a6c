// The audit log (SPEC X1): its own pino logger (name `simple-edge-audit`), so it can go to its own
// file — rolled daily or hourly and by size, old files removed past the retention count, by
// `pino-roll` in a worker thread — or to standard output, told apart from the debug log by name.
// The optional archive keeps each border-crossing request's text the same way, in its own files.

import path from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { AuditConfig } from '../config/audit-schema.js';

export interface AuditLog {
  /** One line per border-crossing request; the entry's own fields, nothing added but level and name. */
  write(entry: object): void;
  /** The request's text, when archiving is on. */
  archive(record: {
    readonly callId: string;
    readonly direction: string;
    readonly peer: string;
    readonly message: string;
  }): void;
  /** Flush and close the files. */
  close(): Promise<void>;
}

export function createAuditLog(config: AuditConfig): AuditLog | undefined {
  if (!config.enabled) return undefined;
  const streams: Array<() => Promise<void>> = [];
  const open = (file: string | null, keepFiles: number): DestinationStream => {
    if (file === null) {
      const stdout = pino.destination({ dest: 1, sync: false });
      streams.push(() => new Promise((resolve) => stdout.flush(() => resolve()))); // never close fd 1
      return stdout;
    }
    const stream = rolling(file, config, keepFiles);
    streams.push(() => closeStream(stream));
    return stream;
  };
  const audit = logger('simple-edge-audit', open(config.file, config.keepFiles));
  const archive = config.archive.enabled
    ? logger('simple-edge-archive', open(path.join(config.archive.directory, 'messages.log'), config.archive.keepFiles))
    : undefined;
  return {
    write: (entry) => audit.info(entry),
    // The message model keeps bytes as latin1 strings; the archive stores them as the UTF-8 they were.
    archive: (record) => archive?.info({ ...record, message: Buffer.from(record.message, 'latin1').toString('utf8') }),
    close: () => Promise.all(streams.map((close) => close())).then(() => undefined),
  };
}

function logger(name: string, stream: DestinationStream): Logger {
  // The entries carry their own ISO time; pino's epoch timestamp would only repeat it.
  return pino({ name, base: undefined, timestamp: false, level: 'info' }, stream);
}

function rolling(file: string, config: AuditConfig, keepFiles: number): DestinationStream {
  return pino.transport({
    target: 'pino-roll',
    options: {
      file,
      frequency: config.rotate,
      size: config.maxFileSize,
      mkdir: true,
      dateFormat: 'yyyy-MM-dd',
      limit: { count: keepFiles },
    },
  }) as DestinationStream;
}

function closeStream(stream: DestinationStream): Promise<void> {
  const closable = stream as DestinationStream & {
    end?: () => void;
    once?: (event: string, listener: () => void) => void;
  };
  return new Promise((resolve) => {
    if (closable.end === undefined || closable.once === undefined) return resolve();
    closable.once('close', () => resolve());
    closable.end();
  });
}

// The SQLite file's schema and every statement the SQLite backend runs, prepared once per connection.
// One table holds every key (its kind, its JSON value, its absolute expiry); set members sit in a
// table of their own so that adding one is an indexed insert, not a rewrite of a JSON array.

import type Database from 'better-sqlite3';

/** PRAGMA user_version of the schema below; a file from a newer edge is refused, not misread. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS state_entries (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('record', 'counter', 'bucket', 'set')),
  value TEXT NOT NULL,
  expires_at INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS state_entries_expires_at ON state_entries (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS state_set_members (
  key TEXT NOT NULL,
  member TEXT NOT NULL,
  PRIMARY KEY (key, member)
) WITHOUT ROWID;
`;

export type EntryKind = 'record' | 'counter' | 'bucket' | 'set';

export interface EntryRow {
  readonly kind: EntryKind;
  readonly value: string;
  readonly expires_at: number | null;
}

export interface ListedRow extends EntryRow {
  readonly key: string;
}

/** `list` bounds: the lower one inclusive (a prefix) or exclusive (`after`), the upper one optional. */
export type ListVariant = 'from' | 'from-to' | 'after' | 'after-to';

export interface ListParameters {
  readonly lower: string;
  readonly upper?: string;
  readonly now: number;
  readonly limit: number;
}

/** Expired keys the sweep removes per transaction, so that no sweep holds the write lock for long. */
export const PURGE_BATCH = 500;

export function createSchema(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`the state file has schema version ${version}; this edge understands up to ${SCHEMA_VERSION}`);
  }
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

export function prepareStatements(db: Database.Database) {
  return {
    selectEntry: db.prepare<[string], EntryRow>('SELECT kind, value, expires_at FROM state_entries WHERE key = ?'),
    upsertEntry: db.prepare<[string, EntryKind, string, number | null], void>(
      `INSERT INTO state_entries (key, kind, value, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, value = excluded.value, expires_at = excluded.expires_at`,
    ),
    updateValue: db.prepare<[string, string], void>('UPDATE state_entries SET value = ? WHERE key = ?'),
    deleteEntry: db.prepare<[string], EntryRow>(
      'DELETE FROM state_entries WHERE key = ? RETURNING kind, value, expires_at',
    ),
    selectMember: db.prepare<[string, string], { one: number }>(
      'SELECT 1 AS one FROM state_set_members WHERE key = ? AND member = ?',
    ),
    insertMember: db.prepare<[string, string], void>('INSERT INTO state_set_members (key, member) VALUES (?, ?)'),
    deleteMembers: db.prepare<[string], void>('DELETE FROM state_set_members WHERE key = ?'),
    selectExpired: db.prepare<[number, number], { key: string; kind: EntryKind }>(
      'SELECT key, kind FROM state_entries WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
    ),
    deleteExpired: db.prepare<[string, number], void>('DELETE FROM state_entries WHERE key = ? AND expires_at <= ?'),
    list: {
      from: prepareList(db, '>=', false),
      'from-to': prepareList(db, '>=', true),
      after: prepareList(db, '>', false),
      'after-to': prepareList(db, '>', true),
    } satisfies Record<ListVariant, unknown>,
  };
}

export type SqliteStatements = ReturnType<typeof prepareStatements>;

// Four fixed statements rather than `(@upper IS NULL OR key < @upper)`: only a plain comparison lets
// the planner turn the prefix into a range on the primary key.
function prepareList(db: Database.Database, lowerOperator: '>=' | '>', bounded: boolean) {
  const upper = bounded ? 'AND key < @upper' : '';
  return db.prepare<[ListParameters], ListedRow>(
    `SELECT key, kind, value, expires_at FROM state_entries
     WHERE key ${lowerOperator} @lower ${upper}
       AND kind IN ('record', 'counter') AND (expires_at IS NULL OR expires_at > @now)
     ORDER BY key LIMIT @limit`,
  );
}

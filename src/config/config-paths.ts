// Relative file paths written in a configuration file are read from that file's directory, as
// operators expect of `/etc/simple-edge/edge.yaml` naming `certs/edge.pem` (O1). A path left out
// keeps its default (state `var/state.db`, archive `var/archive`), relative to the working directory,
// where a service manager points the process (docs/OPERATIONS.md, "Paths").

import path from 'node:path';
import type { EdgeConfig } from './config-schema.js';

/** One path the file wrote relative, and where it is read from. */
export interface ResolvedPath {
  readonly key: string;
  readonly written: string;
  readonly resolved: string;
}

/** SQLite's name for a database kept in memory: not a file. */
const SQLITE_MEMORY = ':memory:';

export function resolveWrittenPaths(
  config: EdgeConfig,
  input: unknown,
  baseDirectory: string,
): { config: EdgeConfig; resolved: ResolvedPath[] } {
  const resolved: ResolvedPath[] = [];
  const resolve = (key: string, value: string): string => {
    if (path.isAbsolute(value) || value === SQLITE_MEMORY) return value;
    const absolute = path.resolve(baseDirectory, value);
    resolved.push({ key, written: value, resolved: absolute });
    return absolute;
  };
  const written = (keys: string[]): boolean => typeof valueAt(input, keys) === 'string';
  const { tls, community, state, audit } = config;
  const next: EdgeConfig = {
    ...config,
    tls: {
      ...tls,
      certificates: tls.certificates.map((c, i) => ({
        ...c,
        cert: resolve(`tls.certificates[${i}].cert`, c.cert),
        key: resolve(`tls.certificates[${i}].key`, c.key),
      })),
      ca: tls.ca === null ? null : resolve('tls.ca', tls.ca),
      crl: tls.crl.map((file, i) => resolve(`tls.crl[${i}]`, file)),
    },
    community: {
      ...community,
      usersFile: community.usersFile === null ? null : resolve('community.usersFile', community.usersFile),
    },
    state: written(['state', 'path']) ? { ...state, path: resolve('state.path', state.path) } : state,
    audit: {
      ...audit,
      file: audit.file === null ? null : resolve('audit.file', audit.file),
      archive: written(['audit', 'archive', 'directory'])
        ? { ...audit.archive, directory: resolve('audit.archive.directory', audit.archive.directory) }
        : audit.archive,
    },
  };
  return { config: next, resolved };
}

function valueAt(input: unknown, keys: string[]): unknown {
  let value = input;
  for (const key of keys) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

// From a request's path to a file under one served root, or a refusal (SPEC I7). The path is
// percent-decoded once, then judged segment by segment, so `..`, `%2e%2e`, `%2f`, backslashes and
// NUL bytes cannot name a file outside the root; what survives is resolved and checked once more.

import path from 'node:path';

export type RequestPathOutcome =
  | { readonly kind: 'file'; readonly root: string; readonly file: string }
  | { readonly kind: 'refused'; readonly why: string };

export function resolveRequestPath(options: { readonly root: string; readonly relative: string }): RequestPathOutcome {
  let decoded: string;
  try {
    decoded = decodeURIComponent(options.relative);
  } catch {
    return refused('malformed percent-encoding');
  }
  if (decoded.includes('\0')) return refused('NUL byte');
  if (decoded.includes('\\')) return refused('backslash');
  const segments = decoded.split('/');
  // An empty segment is `//` or a decoded leading `/`: an absolute path in disguise.
  if (segments.some((s) => s === '')) return refused('empty segment');
  // `.` and `..` climb; other dot names are hidden files nobody meant to publish.
  if (segments.some((s) => s.startsWith('.'))) return refused('dot segment');
  const root = path.resolve(options.root);
  const file = path.resolve(root, ...segments);
  if (!file.startsWith(root + path.sep)) return refused('outside the root');
  return { kind: 'file', root, file };
}

function refused(why: string): RequestPathOutcome {
  return { kind: 'refused', why };
}

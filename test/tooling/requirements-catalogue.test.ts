// docs/REQUIREMENTS.md is the one place a reader learns what an ID such as `Y4` or `B1` means, so it
// must list every ID the repository cites (code, tests, benchmarks, docs, configuration, tools), and
// every link it gives for an ID must lead somewhere: a file that exists, a heading that exists, and a
// test file that names the ID it is offered as proof of.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const CATALOGUE = 'docs/REQUIREMENTS.md';

/** Where IDs are cited: every text file under these, plus the top-level files below. */
const SEARCHED_DIRECTORIES = ['src', 'test', 'bench', 'docs', 'config', 'tools', 'schemas'];
const SEARCHED_FILES = ['README.md', 'Dockerfile', 'package.json'];
const TEXT_FILE = /\.(ts|js|md|ya?ml|json|zone|xml|xsd|cfg|template|conf|txt)$/;
/** Generated or binary content, where letter-digit pairs are noise rather than citations. */
const SKIPPED = new Set(['node_modules', 'dist', 'coverage', 'certs', 'images']);

/**
 * A requirement ID: a family letter the catalogue defines, then one or two digits, standing alone.
 * `\b` on both sides keeps out hex (`0xB1`), curve names (`P256`), NAPTR services (`SIPS+D2T`) and
 * RFC section numbers (`§16.6`, which have no family letter).
 */
function idPattern(families: string): RegExp {
  return new RegExp(`\\b[${families}]\\d{1,2}\\b`, 'g');
}

interface Citation {
  readonly id: string;
  readonly where: string;
}

function filesUnder(directory: string): string[] {
  const absolute = path.join(root, directory);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute).flatMap((name) => {
    if (SKIPPED.has(name)) return [];
    const relative = path.join(directory, name);
    if (statSync(path.join(root, relative)).isDirectory()) return filesUnder(relative);
    return TEXT_FILE.test(name) ? [relative] : [];
  });
}

function citations(families: string): Citation[] {
  const files = [...SEARCHED_DIRECTORIES.flatMap(filesUnder), ...SEARCHED_FILES].filter(
    (f) => f !== CATALOGUE && existsSync(path.join(root, f)),
  );
  return files.flatMap((file) =>
    readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .flatMap((line, index) =>
        [...line.matchAll(idPattern(families))].map((m) => ({ id: m[0], where: `${file}:${index + 1}` })),
      ),
  );
}

interface Entry {
  readonly id: string;
  readonly text: string;
}

const catalogueText = readFileSync(path.join(root, CATALOGUE), 'utf8');

/** The families are the catalogue's `## X — …` headings. */
const families = [...catalogueText.matchAll(/^## ([A-Z]) — /gm)].map((m) => m[1]!).join('');

/** Each entry starts `- **ID …` and runs to the next entry or heading. */
function entries(): Entry[] {
  const found: Entry[] = [];
  let current: { id: string; lines: string[] } | undefined;
  const flush = () => {
    if (current !== undefined) found.push({ id: current.id, text: current.lines.join('\n') });
    current = undefined;
  };
  for (const line of catalogueText.split('\n')) {
    const start = /^- \*\*([A-Z]\d{1,2})\b/.exec(line);
    if (start !== null) {
      flush();
      current = { id: start[1]!, lines: [line] };
    } else if (line.startsWith('#') || (line.trim() === '' && current !== undefined)) {
      flush();
    } else if (current !== undefined) {
      current.lines.push(line);
    }
  }
  flush();
  return found;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.*)$/.exec(line);
    if (heading === null) continue;
    const base = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

interface Link {
  readonly label: string;
  readonly file: string;
  readonly anchor: string | undefined;
}

function linksIn(text: string): Link[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => {
    const [target, anchor] = m[1]!.split('#');
    const file = target === '' ? CATALOGUE : path.normalize(path.join(path.dirname(CATALOGUE), target!));
    return { label: m[0], file, anchor };
  });
}

/** The links on an entry's `Test:` line(s), up to the next `Doc:`. */
function testLinks(entry: Entry): Link[] {
  const match = /Test: ([\s\S]*?)(?:\n\s*Doc:|$)/.exec(entry.text);
  return match === null ? [] : linksIn(match[1]!);
}

function brokenLinks(text: string): string[] {
  return linksIn(text).flatMap((link) => {
    if (!existsSync(path.join(root, link.file))) return [`${link.label}: ${link.file} does not exist`];
    if (link.anchor === undefined) return [];
    const anchors = anchorsOf(readFileSync(path.join(root, link.file), 'utf8'));
    return anchors.has(link.anchor) ? [] : [`${link.label}: ${link.file} has no heading #${link.anchor}`];
  });
}

describe('requirements catalogue (docs/REQUIREMENTS.md)', () => {
  it('defines the requirement families, each ID once', () => {
    expect(families).toBe('FDPMSGXYBIOL');
    const ids = entries().map((e) => e.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('lists every requirement ID cited anywhere in the repository', () => {
    const catalogued = new Set(entries().map((e) => e.id));
    const missing = citations(families)
      .filter((c) => !catalogued.has(c.id))
      .map((c) => `${c.id} is cited in ${c.where} but not listed in ${CATALOGUE}`);
    expect(missing).toEqual([]);
  });

  it('links every ID to files and headings that exist', () => {
    const broken = entries().flatMap((entry) => brokenLinks(entry.text).map((b) => `${entry.id}: ${b}`));
    const outsideEntries = entries().reduce((text, entry) => text.replace(entry.text, ''), catalogueText);
    const elsewhere = brokenLinks(outsideEntries);
    expect([...broken, ...elsewhere]).toEqual([]);
  });

  it('gives every built requirement its source, its code and a test that names it', () => {
    const problems = entries().flatMap((entry) => {
      const found: string[] = [];
      if (!/Source: /.test(entry.text)) found.push(`${entry.id} gives no Source`);
      if (/not built yet/i.test(entry.text)) return found;
      if (!/Code: \[/.test(entry.text)) found.push(`${entry.id} links no code`);
      const tests = testLinks(entry);
      if (tests.length === 0) found.push(`${entry.id} links no test`);
      for (const t of tests.filter((l) => existsSync(path.join(root, l.file)))) {
        const text = readFileSync(path.join(root, t.file), 'utf8');
        if (!new RegExp(`\\b${entry.id}\\b`).test(text)) {
          found.push(`${entry.id}: ${t.file} is linked as its test but never names ${entry.id}`);
        }
      }
      return found;
    });
    expect(problems).toEqual([]);
  });
});

// The RFC 4475 / RFC 5118 torture messages are not part of this repository: they are the RFCs' own
// archive of messages plus a manifest (manifest.tsv) saying what each must yield. SIP_TORTURE_DIR names
// the folder that holds them; without it the folder `sip-torture` beside the checkout is tried, where
// the CI machine keeps it. Without a corpus the suites that need it skip with CORPUS_MISSING as title.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TortureCase {
  readonly name: string;
  readonly class: 'valid' | 'invalid';
  readonly expect: string;
  readonly reason: string;
  readonly section: string;
  /** Pass rules per transport: "4xx", "!400|silence", "silence", "any|silence" … */
  readonly udp: string;
  readonly tcp: string;
  readonly bytes: Buffer;
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const TORTURE_DIR = process.env.SIP_TORTURE_DIR ?? path.resolve(projectRoot, '../shared/sip-torture');

/**
 * The one title every corpus-dependent suite skips with, so a run without the corpus says once, in
 * the summary tools/plain-summary-reporter.ts prints, what was skipped and how to run it.
 */
export const CORPUS_MISSING = `conformance suite skipped: set SIP_TORTURE_DIR to the RFC 4475/5118 torture corpus to run it (none at ${TORTURE_DIR})`;

export function loadTortureCorpus(): TortureCase[] | undefined {
  const manifest = path.join(TORTURE_DIR, 'manifest.tsv');
  if (!existsSync(manifest)) return undefined;
  return readFileSync(manifest, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [name, cls, expectText, reason, section, udp, tcp, file] = line.split('\t');
      return {
        name: name!,
        class: cls as 'valid' | 'invalid',
        expect: expectText!,
        reason: reason!,
        section: section!,
        udp: udp!,
        tcp: tcp!,
        bytes: readFileSync(path.join(TORTURE_DIR, file!)),
      };
    });
}

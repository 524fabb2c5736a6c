// The RFC 4475 / RFC 5118 torture messages live outside the project (../shared/sip-torture, the RFCs'
// own archive); SIP_TORTURE_DIR points elsewhere. This reads the manifest and the messages.

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

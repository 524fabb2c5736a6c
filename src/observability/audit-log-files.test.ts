// X1: where the audit log lands on disk. pino-roll puts the period's date and a sequence number
// before the extension, so `audit.file: var/audit.jsonl` writes var/audit.2026-12-06.1.jsonl (then .2
// past maxFileSize); docs/OPERATIONS.md, "Audit log", tells operators so.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditSchema } from '../config/audit-schema.js';
import { createAuditLog } from './audit-log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function today(): string {
  const now = new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}

describe('X1 audit log files', () => {
  it('X1 audit.file x.jsonl is written as x.<date>.1.jsonl in the directory of x, and the archive as messages.<date>.1.log', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-audit-'));
    dirs.push(dir);
    const config = auditSchema.parse({
      enabled: true,
      file: path.join(dir, 'logs', 'audit.jsonl'),
      archive: { enabled: true, directory: path.join(dir, 'archive') },
    });
    const audit = createAuditLog(config);
    if (audit === undefined) throw new Error('audit log not created');
    audit.write({ callId: 'audit-name-1', decision: 'relayed', status: 200 });
    audit.archive({
      callId: 'audit-name-1',
      direction: 'inbound',
      peer: 'b.example.net',
      message: 'MESSAGE sip:alice@a.example.com SIP/2.0\r\n\r\n',
    });
    await audit.close();

    const dated = today();
    expect(readdirSync(path.join(dir, 'logs'))).toEqual([`audit.${dated}.1.jsonl`]);
    expect(readdirSync(path.join(dir, 'archive'))).toEqual([`messages.${dated}.1.log`]);
    const line = JSON.parse(readFileSync(path.join(dir, 'logs', `audit.${dated}.1.jsonl`), 'utf8'));
    expect(line).toMatchObject({ name: 'simple-edge-audit', callId: 'audit-name-1' });
  });
});

// D8: `simple-edge resolve` against bind9 prints every step, the records with their TTLs, the rule
// chosen and why, and the final ordered targets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/cli-io.js';
import { main } from '../../../src/cli/main.js';
import { BIND9_SETUP_TIMEOUT_MS, startBind9, type Bind9 } from '../../support/bind9.js';

let bind: Bind9;

beforeAll(async () => {
  bind = await startBind9({ zones: ['e164.arpa', 'b.example.net', 'mimi.example.com', 'example.org'] });
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await bind?.stop();
});

async function resolve(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => void out.push(line), err: (line) => void err.push(line) };
  const code = await main(['resolve', ...args, '--resolver', bind.resolver], { io });
  return { code, out, err };
}

describe('D8 simple-edge resolve', () => {
  it("D8 shows a phone number's whole chain: ENUM → im: → SRV → target, with TTLs and the rule chosen", async () => {
    const { code, out } = await resolve('+1-202-555-0100');
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(out[0]).toBe(`resolve +1-202-555-0100 for MESSAGE (resolvers ${bind.resolver})`);
    expect(text).toContain('ENUM +12025550100 → 0.0.1.0.5.5.5.2.0.2.1.e164.arpa (RFC 6116 §2.4)');
    expect(text).toContain(`  NAPTR 0.0.1.0.5.5.5.2.0.2.1.e164.arpa: 3 records, kept 300 s (from ${bind.resolver})`);
    expect(text).toContain('    NAPTR 10 20 "u" "E2U+im" "!^.*$!im:alice@b.example.net!" .  ttl 300');
    expect(text).toContain(
      '  → chosen NAPTR 10 20 "u" "E2U+im" "!^.*$!im:alice@b.example.net!" . → im:alice@b.example.net: E2U+im is the first choice for this request (im, then sip); order 10, preference 20',
    );
    expect(text).toContain('  → im:alice@b.example.net is reached as sip:alice@b.example.net (RFC 3861)');
    expect(text).toContain('RFC 3861: SRV _im._sip.b.example.net');
    expect(text).toContain('    SRV 10 0 5061 im.b.example.net  ttl 300');
    expect(text).toContain('    A 192.0.2.11  ttl 300');
    expect(out.slice(-2)).toEqual([
      'targets, in the order the edge tries them (the next on connect error, timeout or 503):',
      '  1. tls 192.0.2.11:5061 (TLS servername b.example.net)',
    ]); // D2: TLS only, the default discovery.transports
    expect(out).toContain('Request-URI: sip:alice@b.example.net');
  });

  it('D8 an INVITE for the same number takes E2U+sip and RFC 3263 for b.example.net', async () => {
    const { code, out } = await resolve('tel:+12025550100', '--method', 'INVITE');
    expect(code).toBe(0);
    expect(out).toContain('RFC 3263 for b.example.net (transports tls)');
    expect(out).toContain(
      '  → NAPTR 10 10 "s" "SIPS+D2T" "" _sips._tcp.b.example.net → tls via SRV _sips._tcp.b.example.net',
    );
    expect(out).toContain('  1. tls 192.0.2.1:5061 (TLS servername b.example.net)');
  });

  it("D8 shows draft-brandner-enum-uri's enum: redirection step by step", async () => {
    const { out } = await resolve('enum:+432221234567890');
    expect(out).toContain('  → enum:+4311234567890 is an enum: URI: re-submitted as +4311234567890');
    expect(out).toContain('ENUM +4311234567890 → 0.9.8.7.6.5.4.3.2.1.1.3.4.e164.arpa (RFC 6116 §2.4)');
    expect(out).toContain('Request-URI: sip:vienna@b.example.net');
  });

  it('D8 exits 4 with the discovery error on a loop, after the steps taken', async () => {
    const { code, out, err } = await resolve('+4910001');
    expect(code).toBe(4);
    expect(out).toContain('  → enum:+4910002 is an enum: URI: re-submitted as +4910002');
    expect(err).toEqual([
      'not resolved: ENUM_LOOP: ENUM loop: +4910001 → +4910002 → +4910001 (the edge answers 404 ENUM Loop)',
    ]);
  });

  it('D8 resolves an e-mail address through MIMI when asked to (D7)', async () => {
    const off = await resolve('mailbox@example.org');
    expect(off.code).toBe(4);
    expect(off.err[0]).toMatch(/^not resolved: MIMI_DISABLED: .*pass --mimi/);
    const { code, out } = await resolve('mailbox@example.org', '--mimi');
    expect(code).toBe(0);
    expect(out).toContain(
      '  → MUI mailbox.mimi.example.com: the local part "mailbox" under the MIMI domain mimi.example.com',
    );
    expect(out).toContain('Request-URI: sip:mailbox@b.example.net');
  });
});

// D7 against bind9: MIMI stand-in records (TXT and a private-use type) for MUIs, an e-mail domain's
// MIMIX stand-in, and a phone number's ENUM domain used as its MUI (draft-bertola-mimi-discovery).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIND9_SETUP_TIMEOUT_MS, startBind9, type Bind9 } from '../../support/bind9.js';
import { bindDiscovery, stopClocks } from './bind-discovery.js';

let bind: Bind9;

beforeAll(async () => {
  bind = await startBind9({ zones: ['mimi.example.com', 'example.org', 'e164.arpa'] });
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  stopClocks();
  await bind?.stop();
});

const mimi = (overrides: Record<string, unknown> = {}) => {
  const resolver = bindDiscovery(bind, { mimi: { enabled: true, services: ['sip', 'telegram'], ...overrides } }).mimi;
  if (resolver === undefined) throw new Error('MIMI should be on');
  return resolver;
};

describe('D7 MIMI discovery against bind9', () => {
  it('D7 is off by default', () => {
    expect(bindDiscovery(bind).mimi).toBeUndefined();
  });

  it("D7 orders an MUI's records by p and keeps only the services the edge supports", async () => {
    const result = await mimi().resolveMui('mymimi.mimi.example.com');
    expect(result.records.map((r) => `${r.preference} ${r.service} ${r.account}@${r.endpoint}`)).toEqual([
      '1 telegram myname99@im.telegram.org',
      '3 sip me@b.example.net',
    ]);
  });

  it('D7 turns an e-mail address into an MUI through the MIMIX stand-in of its domain', async () => {
    const result = await mimi().resolveEmail('mailbox@example.org');
    expect(result).toMatchObject({
      mui: 'mailbox.mimi.example.com',
      records: [{ account: 'mailbox', endpoint: 'b.example.net', service: 'sip' }],
    });
  });

  it("D7 uses a phone number's ENUM domain as its MUI", async () => {
    const result = await mimi().resolvePhone('+12025550100');
    expect(result).toMatchObject({
      mui: '0.0.1.0.5.5.5.2.0.2.1.e164.arpa',
      records: [{ account: 'alice', endpoint: 'b.example.net' }],
    });
  });

  it('D7 reads the record type from the configuration (a private-use TYPE65280)', async () => {
    const result = await mimi({ recordType: 'TYPE65280' }).resolveMui('typed.mimi.example.com');
    expect(result.records[0]).toMatchObject({ account: 'typed', endpoint: 'b.example.net' });
  });

  it('D7 refuses a malformed record with a clear error', async () => {
    await expect(mimi().resolveMui('bad.mimi.example.com')).rejects.toMatchObject({
      code: 'MIMI_RECORD_MALFORMED',
      message: expect.stringContaining('e= must name the endpoint host'),
    });
  });
});

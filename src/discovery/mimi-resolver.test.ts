import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { FakeDnsTransport, txt } from '../../test/support/fake-dns-transport.js';
import { DnsClient } from './dns-client.js';
import { parseMimiRecord } from './mimi-record.js';
import { MimiResolver } from './mimi-resolver.js';

function resolver(transport: FakeDnsTransport, overrides: { recordName?: string; services?: string[] } = {}) {
  const dns = new DnsClient({
    clock: new FakeClock(),
    transport,
    servers: [{ address: '192.0.2.53', port: 53 }],
    timeoutMs: 1000,
    retries: 0,
    maxEntries: 1000,
    maxTtlSeconds: 86_400,
    maxNegativeTtlSeconds: 3600,
  });
  return new MimiResolver({
    dns,
    recordName: overrides.recordName ?? '{mui}',
    recordType: 'TXT',
    mimixName: '{domain}',
    mimixType: 'TXT',
    services: overrides.services ?? ['sip', 'telegram'],
    enumSuffixes: ['e164.arpa'],
  });
}

describe('D7 MIMI records (draft-bertola-mimi-discovery §4.3)', () => {
  it('D7 reads the tags, in any spacing, ignoring unknown ones', () => {
    expect(parseMimiRecord('v=MIMI1; p=2; a=+15551234567; e=mimi.whatsapp.com; s=WhatsApp; x=new')).toEqual({
      account: '+15551234567',
      endpoint: 'mimi.whatsapp.com',
      preference: 2,
      service: 'whatsapp',
      text: 'v=MIMI1; p=2; a=+15551234567; e=mimi.whatsapp.com; s=WhatsApp; x=new',
    });
    expect(parseMimiRecord('v=MIMI1;a=myuser;e=mimiserver.example.com')).toMatchObject({
      account: 'myuser',
      service: undefined,
    });
  });

  it('D7 refuses a record without v=MIMI1 first, without e=, or with a repeated tag', () => {
    expect(() => parseMimiRecord('a=x; v=MIMI1; e=h.example.com')).toThrow(/must begin with v=MIMI1/);
    expect(() => parseMimiRecord('v=MIMI1; a=x')).toThrow(/e= must name the endpoint host/);
    expect(() => parseMimiRecord('v=MIMI1; e=a.example.com; e=b.example.com')).toThrow(/appears twice/);
    expect(() => parseMimiRecord('v=MIMI1; e=h.example.com; p=high')).toThrow(
      expect.objectContaining({ code: 'MIMI_RECORD_MALFORMED' }),
    );
  });
});

describe('D7 MIMI discovery', () => {
  it("D7 orders an MUI's records by p and drops services the edge cannot reach", async () => {
    const transport = new FakeDnsTransport().add(
      txt('mymimi.example.com', 'v=MIMI1; p=2; a=+15551234567; e=mimi.whatsapp.com; s=whatsapp'),
      txt('mymimi.example.com', 'v=MIMI1; p=1; a=myname99; e=im.telegram.org; s=telegram'),
      txt('mymimi.example.com', 'v=MIMI1; a=me; e=sip.example.com'),
      txt('mymimi.example.com', 'v=spf1 -all'),
    );
    const result = await resolver(transport).resolveMui('mymimi.example.com');
    expect(result.records.map((r) => r.endpoint)).toEqual(['im.telegram.org', 'sip.example.com']);
  });

  it('D7 turns an e-mail address into <local-part>.<mimi-domain> through MIMIX', async () => {
    const transport = new FakeDnsTransport().add(
      txt('example.com', 'mimi.example.net'),
      txt('mailbox.mimi.example.net', 'v=MIMI1; a=mailbox; e=sip.example.net; s=sip'),
    );
    const result = await resolver(transport).resolveEmail('Mailbox@Example.com');
    expect(result).toMatchObject({
      mui: 'mailbox.mimi.example.net',
      records: [{ account: 'mailbox', endpoint: 'sip.example.net' }],
    });
  });

  it("D7 uses a phone number's ENUM domain as its MUI", async () => {
    const transport = new FakeDnsTransport().add(
      txt('0.0.1.0.5.5.5.2.0.2.1.e164.arpa', 'v=MIMI1; a=alice; e=sip.b.example.net; s=sip'),
    );
    expect((await resolver(transport).resolvePhone('+12025550100')).mui).toBe('0.0.1.0.5.5.5.2.0.2.1.e164.arpa');
  });

  it('D7 reads the record at a configured owner name', async () => {
    const transport = new FakeDnsTransport().add(txt('_mimi.me.example.com', 'v=MIMI1; e=sip.example.com'));
    expect(
      (await resolver(transport, { recordName: '_mimi.{mui}' }).resolveMui('me.example.com')).records,
    ).toHaveLength(1);
  });

  it('D7 names the malformed record when it was the only one', async () => {
    const transport = new FakeDnsTransport().add(txt('bad.example.com', 'v=MIMI1; a=x'));
    await expect(resolver(transport).resolveMui('bad.example.com')).rejects.toMatchObject({
      code: 'MIMI_RECORD_MALFORMED',
    });
  });
});

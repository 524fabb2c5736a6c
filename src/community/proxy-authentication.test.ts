import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { communityRequest } from '../../test/support/community-requests.js';
import { configSchema } from '../config/config-schema.js';
import { KNOWN_METHODS } from '../sip/methods.js';
import { MemoryStore } from '../state/memory-store.js';
import { createCommunity } from './create-community.js';
import { expectedResponse, ha1 } from './digest-algorithm.js';
import type { ProxyAuthentication, ProxyAuthenticationOutcome } from './proxy-authentication.js';

const REALM = 'a.example.com';
const LIFETIME_S = 300;
const USERS = { alice: 'wonderland', bob: 'builder', carol: 'christmas' } as const;
type User = keyof typeof USERS;

let now: number;
let authentication: ProxyAuthentication;

beforeEach(async () => {
  now = 1_700_000_000_000;
  const store = new MemoryStore({ now: () => now });
  const config = configSchema.parse({
    domains: [REALM, 'b.example.com'],
    community: { authenticate: ['MESSAGE', 'SUBSCRIBE', 'PUBLISH'] },
  });
  const community = await createCommunity({ config, store, now: () => now });
  for (const [name, password] of Object.entries(USERS))
    await community.directory.add({ address: `${name}@${REALM}`, password, realm: REALM });
  authentication = community.proxyAuthentication!;
});

function message(from: User | string, headers: readonly string[] = [], toTag = '') {
  const address = from.includes('@') ? from : `${from}@${REALM}`;
  return communityRequest({
    method: 'MESSAGE',
    uri: 'sip:dave@b.example.net',
    from: `<sip:${address}>;tag=f1`,
    to: `<sip:dave@b.example.net>${toTag}`,
    headers,
  });
}

async function challenge(): Promise<string> {
  const outcome = await authentication.check(message('alice'));
  if (outcome.kind !== 'challenged') throw new Error(`expected a challenge, got ${outcome.kind}`);
  return outcome.headers[0]![1];
}

/** The Proxy-Authorization a client answering the challenge sends (MD5, qop=auth). */
async function credentials(user: User, password: string = USERS[user]): Promise<string> {
  const nonce = /nonce="([^"]+)"/.exec(await challenge())![1]!;
  const uri = 'sip:dave@b.example.net';
  const qop = { nc: '00000001', cnonce: 'c0ffee' };
  const ha = ha1('MD5', user, REALM, password);
  const response = expectedResponse({ algorithm: 'MD5', ha1: ha, method: 'MESSAGE', uri, nonce, qop });
  return `Proxy-Authorization: Digest username="${user}", realm="${REALM}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${qop.nc}, cnonce="${qop.cnonce}"`;
}

function kindAndReason(outcome: ProxyAuthenticationOutcome): string {
  return 'reason' in outcome ? `${outcome.kind} ${outcome.reason}` : outcome.kind;
}

describe('I2 X2 proxy authentication of the community’s own requests (RFC 3261 §22.3)', () => {
  it('I2 MUST challenge a listed request without credentials with Proxy-Authenticate, one per algorithm', async () => {
    const outcome = await authentication.check(message('alice'));
    expect(outcome).toMatchObject({ kind: 'challenged', reason: 'no-credentials' });
    if (outcome.kind !== 'challenged') return;
    expect(outcome.headers.map(([name]) => name)).toEqual(['Proxy-Authenticate']);
    expect(outcome.headers[0]![1]).toMatch(
      /^Digest realm="a\.example\.com", nonce="[^"]+", algorithm=MD5, qop="auth"$/,
    );
  });

  it('I2 accepts the From’s own user and consumes the edge’s credentials', async () => {
    const outcome = await authentication.check(message('alice', [await credentials('alice')]));
    expect(outcome).toEqual({
      kind: 'accepted',
      user: 'sip:alice@a.example.com',
      edits: [{ op: 'remove', name: 'Proxy-Authorization' }],
    });
  });

  it('I2 MUST NOT accept any user sending as another, nor a wrong password (property)', async () => {
    const names = Object.keys(USERS) as User[];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.constantFrom(...names, 'mallory@a.example.com', 'zed@c.example.org'),
        fc.boolean(),
        async (user, from, rightPassword) => {
          const line = await credentials(user, rightPassword ? USERS[user] : 'guess');
          const outcome = await authentication.check(message(from, [line]));
          const expected = !rightPassword
            ? 'refused wrong-credentials'
            : from === user
              ? 'accepted'
              : 'refused identity-mismatch';
          expect(kindAndReason(outcome)).toBe(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('I2 answers a right response to an expired nonce with a fresh challenge marked stale=true (RFC 7616 §3.3)', async () => {
    const line = await credentials('alice');
    now += (LIFETIME_S + 1) * 1000;
    const outcome = await authentication.check(message('alice', [line]));
    expect(outcome).toMatchObject({ kind: 'challenged', reason: 'stale-nonce' });
    if (outcome.kind === 'challenged') expect(outcome.headers[0]![1]).toMatch(/, stale=true$/);
  });

  it('I2 refuses credentials computed for another Request-URI (RFC 7616 §3.4.6: no replay to a new target)', async () => {
    const line = await credentials('alice');
    const replayed = communityRequest({
      method: 'MESSAGE',
      uri: 'sip:erin@b.example.net',
      from: '<sip:alice@a.example.com>;tag=f1',
      to: '<sip:erin@b.example.net>',
      headers: [line],
    });
    expect(kindAndReason(await authentication.check(replayed))).toBe('refused uri-mismatch');
  });

  it('I2 challenges afresh, not stale, a nonce the edge never issued', async () => {
    const forged = (await credentials('alice')).replace(/nonce="[^"]+"/, 'nonce="abc.def"');
    expect(kindAndReason(await authentication.check(message('alice', [forged])))).toBe('challenged bad-nonce');
  });

  it('I2 requires nothing of a method not listed, of a request inside a dialog the edge vouches for, of ACK or CANCEL (§22.1); a To tag alone proves no dialog; PUBLISH has no dialog to be inside', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KNOWN_METHODS), fc.boolean(), fc.boolean(), (method, tagged, proven) => {
        const request = communityRequest({
          method,
          uri: 'sip:dave@b.example.net',
          to: `<sip:dave@b.example.net>${tagged ? ';tag=t1' : ''}`,
        });
        const listed = method === 'MESSAGE' || method === 'SUBSCRIBE' || method === 'PUBLISH';
        const inDialog = tagged && proven;
        expect(authentication.requires(request, proven)).toBe(listed && (!inDialog || method === 'PUBLISH'));
      }),
    );
  });

  it('X2 an exempt request may assert neither a trust level nor an identity', () => {
    expect(authentication.exempt()).toEqual({
      kind: 'exempt',
      edits: [
        { op: 'remove', name: 'X-Trust-Level' },
        { op: 'remove', name: 'P-Asserted-Identity' },
      ],
    });
  });

  it('RFC 3261 §22.3 keeps credentials for another realm and an asserted identity of the user; drops one of another', async () => {
    const other =
      'Proxy-Authorization: Digest username="a", realm="proxy.b.example.net", nonce="n", uri="sip:x", response="00"';
    const own = await credentials('alice');
    const kept = await authentication.check(
      message('alice', [other, own, 'P-Asserted-Identity: <sip:alice@a.example.com>', 'X-Trust-Level: trusted']),
    );
    expect(kept).toMatchObject({
      kind: 'accepted',
      edits: [
        { op: 'remove', name: 'Proxy-Authorization' },
        { op: 'append', name: 'Proxy-Authorization', value: other.slice('Proxy-Authorization: '.length) },
      ],
    });
    const spoofed = await authentication.check(message('alice', [own, 'P-Asserted-Identity: <sip:ceo@a.example.com>']));
    expect(spoofed).toMatchObject({
      kind: 'accepted',
      edits: [
        { op: 'remove', name: 'Proxy-Authorization' },
        { op: 'remove', name: 'P-Asserted-Identity' },
      ],
    });
  });
});

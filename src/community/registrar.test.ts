import { beforeEach, describe, expect, it } from 'vitest';
import { communityRequest } from '../../test/support/community-requests.js';
import { configSchema } from '../config/config-schema.js';
import { isTombstoned } from '../state/tombstones.js';
import { MemoryStore } from '../state/memory-store.js';
import type { LocalAnswer } from './community-answer.js';
import { createCommunity, type Community } from './create-community.js';
import { digestHash, expectedResponse, ha1, type DigestAlgorithm } from './digest-algorithm.js';

const REALM = 'a.example.com';
let now = 1_700_000_000_000;
let community: Community;
let store: MemoryStore;

beforeEach(async () => {
  now = 1_700_000_000_000;
  store = new MemoryStore({ now: () => now });
  const config = configSchema.parse({
    domains: [REALM],
    community: { registrar: { digestAlgorithms: ['SHA-256', 'MD5'] } },
  });
  community = await createCommunity({ config, store, now: () => now });
  await community.directory.add({ address: 'alice@a.example.com', password: 'wonderland', realm: REALM });
});

function register(headers: string[], uri = 'sip:a.example.com') {
  return community.registrar.register(communityRequest({ method: 'REGISTER', uri, headers }), 'internal');
}

function nonceOf(challenge: LocalAnswer, algorithm: DigestAlgorithm): string {
  const header = challenge.headers!.find(([, value]) => value.includes(`algorithm=${algorithm}`))![1];
  return /nonce="([^"]+)"/.exec(header)![1]!;
}

function authorization(algorithm: DigestAlgorithm, nonce: string, password = 'wonderland'): string {
  const response = expectedResponse({
    algorithm,
    ha1: ha1(algorithm, 'alice', REALM, password),
    method: 'REGISTER',
    uri: 'sip:a.example.com',
    nonce,
    qop: { nc: '00000001', cnonce: 'c0ffee' },
  });
  return `Authorization: Digest username="alice", realm="${REALM}", nonce="${nonce}", uri="sip:a.example.com", response="${response}", algorithm=${algorithm}, qop=auth, nc=00000001, cnonce="c0ffee"`;
}

describe('I2 built-in registrar (RFC 3261 §10.3, RFC 8760 digest)', () => {
  it('challenges an unauthenticated REGISTER with one WWW-Authenticate per algorithm, in the configured order (RFC 8760 §2.4)', async () => {
    const challenge = await register(['Contact: <sip:alice@127.0.0.1:5070>']);
    expect(challenge.status).toBe(401);
    expect(challenge.headers!.map(([name, value]) => [name, /algorithm=([\w-]+)/.exec(value)![1]])).toEqual([
      ['WWW-Authenticate', 'SHA-256'],
      ['WWW-Authenticate', 'MD5'],
    ]);
  });

  it.each(['SHA-256', 'MD5'] as const)('binds the contact when the %s credentials are right', async (algorithm) => {
    const challenge = await register([]);
    const ok = await register([
      'Contact: <sip:alice@127.0.0.1:5070>',
      'Expires: 600',
      authorization(algorithm, nonceOf(challenge, algorithm)),
    ]);
    expect(ok.status).toBe(200);
    expect(ok.headers).toEqual([['Contact', '<sip:alice@127.0.0.1:5070>;expires=600']]);
    const located = await community.registrar.locate(
      communityRequest({ method: 'MESSAGE', uri: 'sip:alice@a.example.com' }),
    );
    expect(located).toEqual({ kind: 'forward', contacts: ['sip:alice@127.0.0.1:5070'] });
  });

  it('MUST refuse a wrong password with 403', async () => {
    const challenge = await register([]);
    const refused = await register([
      'Contact: <sip:alice@127.0.0.1:5070>',
      authorization('MD5', nonceOf(challenge, 'MD5'), 'guess'),
    ]);
    expect(refused.status).toBe(403);
  });

  it('asks again with stale=true when a right answer uses an expired nonce (RFC 7616 §3.3)', async () => {
    const challenge = await register([]);
    now += 301_000;
    const again = await register([
      'Contact: <sip:alice@127.0.0.1:5070>',
      authorization('SHA-256', nonceOf(challenge, 'SHA-256')),
    ]);
    expect(again.status).toBe(401);
    expect(again.headers![0]![1]).toContain('stale=true');
  });

  it('answers 423 with Min-Expires for a binding shorter than the minimum', async () => {
    const challenge = await register([]);
    const brief = await register([
      'Contact: <sip:alice@127.0.0.1:5070>',
      'Expires: 10',
      authorization('MD5', nonceOf(challenge, 'MD5')),
    ]);
    expect(brief.status).toBe(423);
    expect(brief.headers).toEqual([['Min-Expires', '60']]);
  });

  it('lets a binding expire, after which a MESSAGE to the user gets 480', async () => {
    const challenge = await register([]);
    await register([
      'Contact: <sip:alice@127.0.0.1:5070>',
      'Expires: 60',
      authorization('MD5', nonceOf(challenge, 'MD5')),
    ]);
    now += 61_000;
    const located = await community.registrar.locate(
      communityRequest({ method: 'MESSAGE', uri: 'sip:alice@a.example.com' }),
    );
    expect(located).toMatchObject({ kind: 'answer', status: 480 });
    const unknown = await community.registrar.locate(
      communityRequest({ method: 'MESSAGE', uri: 'sip:nobody@a.example.com' }),
    );
    expect(unknown).toMatchObject({ kind: 'answer', status: 404 });
  });

  it('removes a binding asked for with expires=0 and all of them with Contact: * (§10.3 step 6)', async () => {
    const challenge = await register([]);
    const auth = authorization('MD5', nonceOf(challenge, 'MD5'));
    await register(['Contact: <sip:alice@127.0.0.1:5070>, <sip:alice@127.0.0.1:5072>', auth]);
    expect((await register(['Contact: <sip:alice@127.0.0.1:5070>;expires=0', auth])).headers).toEqual([
      ['Contact', '<sip:alice@127.0.0.1:5072>;expires=3600'],
    ]);
    expect((await register(['Contact: *', 'Expires: 0', auth])).headers).toEqual([]);
  });

  it('refuses a REGISTER that comes from across the border', async () => {
    const answer = await community.registrar.register(
      communityRequest({ method: 'REGISTER', uri: 'sip:a.example.com' }),
      'external',
    );
    expect(answer.status).toBe(403);
  });
});

describe('Y2 X3 user removal through the registrar', () => {
  it('tombstones the address, drops its bindings, tells the listeners, and refuses to register it again', async () => {
    const told: string[] = [];
    community.registrar.onUserRemoved({ removeUser: async (address) => told.push(address) });
    expect(await community.registrar.removeUser('Alice@A.example.com')).toBe(true);
    expect(told).toEqual(['sip:alice@a.example.com']);
    expect(await isTombstoned(store, 'sip:alice@a.example.com')).toBe(true);
    expect((await register([])).status).toBe(403);
    await expect(
      community.directory.add({ address: 'alice@a.example.com', password: 'x', realm: REALM }),
    ).rejects.toThrow(/Y2/);
  });

  it('keeps the hash, not the password', async () => {
    const user = await community.directory.get('alice@a.example.com');
    expect(JSON.stringify(user)).not.toContain('wonderland');
    expect(user!.ha1.MD5).toBe(digestHash('MD5', `alice:${REALM}:wonderland`));
  });
});

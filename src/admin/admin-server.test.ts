import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { MemoryStore } from '../state/memory-store.js';
import type { AdminBackend, ReadinessCheck } from './admin-backend.js';
import { AdminServer } from './admin-server.js';

const servers: AdminServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function backend(overrides: Partial<AdminBackend> = {}): AdminBackend & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    store: new MemoryStore({ sweepIntervalMs: 0 }),
    servedDomains: ['a.example.com', 'a.example.org'],
    tombstoneSeconds: 90 * 86_400,
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'simple_edge_up 1\n' }),
    readiness: async (): Promise<ReadinessCheck[]> => [{ name: 'store', ok: true }],
    removeUser: async (address) => {
      removed.push(address);
      return { address: `sip:${address}`, watchers: 0, acknowledged: 0 };
    },
    peers: () => [],
    flows: () => [
      {
        id: 'f1',
        side: 'external',
        protocol: 'tls',
        local: '127.0.0.1:5061',
        remote: '127.0.0.1:40000',
        peerIdentity: ['b.example.net'],
      },
    ],
    closeFlow: (id) => id === 'f1',
    logLevel: 'info',
    policyDocument: () => '<federation-policy/>',
    ...overrides,
  };
}

async function serve(
  token: string | null,
  admin: AdminBackend = backend(),
): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const server = new AdminServer({ address: '127.0.0.1', port: 0, token, backend: admin, log: silentLogger() });
  servers.push(server);
  await server.listen();
  const { port } = server.address;
  return (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init);
}

describe('AdminServer', () => {
  it('O3 serves /metrics in the exposition format, /healthz always, /readyz 503 when a check fails', async () => {
    const failing = backend({ readiness: async () => [{ name: 'store', ok: false, detail: 'redis down' }] });
    const get = await serve(null, failing);
    const metrics = await get('/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toBe('simple_edge_up 1\n');
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ checks: [{ name: 'store', ok: false, detail: 'redis down' }] });
  });

  it('O3 asks for the bearer token on /admin/ when one is configured, never on /metrics', async () => {
    const get = await serve('s3cret');
    expect((await get('/admin/flows')).status).toBe(401);
    expect((await get('/admin/flows', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    // Compared as digests of equal length: a prefix, a longer value and a same-length guess are all 401, none 500.
    for (const authorization of [
      'Bearer s3cre',
      'Bearer s3cretX',
      'Bearer s3cres',
      'Bearer ' + 'x'.repeat(4000),
      'bearer s3cret',
    ]) {
      expect((await get('/admin/flows', { headers: { authorization } })).status, authorization.slice(0, 20)).toBe(401);
    }
    expect((await get('/admin/flows', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    expect((await get('/metrics')).status).toBe(200);
  });

  it('P4 lists, inspects and purges 604 cache entries by address-of-record', async () => {
    const admin = backend();
    await admin.store.set('604:sip:bob@b.example.net', { peer: 'b.example.net' }, { ttlMs: 60_000 });
    const get = await serve(null, admin);
    const listed = (await (await get('/admin/cache604')).json()) as { entries: Array<{ key: string }> };
    expect(listed.entries.map((e) => e.key)).toEqual(['604:sip:bob@b.example.net']);
    expect((await get('/admin/cache604/Bob%40B.example.net')).status).toBe(200);
    expect((await get('/admin/cache604/bob%40b.example.net', { method: 'DELETE' })).status).toBe(200);
    expect(await admin.store.get('604:sip:bob@b.example.net')).toBeUndefined();
    expect((await get('/admin/cache604/bob%40b.example.net', { method: 'DELETE' })).status).toBe(404);
  });

  it('Y2 X3 adds a tombstone by removing the user, and refuses a body without an address', async () => {
    const admin = backend();
    const get = await serve(null, admin);
    const post = (body: string) => get('/admin/tombstones', { method: 'POST', body });
    expect((await post('{"address":"carol@a.example.com"}')).status).toBe(201);
    expect(admin.removed).toEqual(['carol@a.example.com']);
    expect((await post('{"user":"carol"}')).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect((await get('/admin/tombstones/not%20an%20address%20%3C%3E')).status).toBe(400);
  });

  it('O3 closes a flow by id, and answers 404 for an unknown one or an unknown resource', async () => {
    const get = await serve(null);
    expect((await get('/admin/flows/f1', { method: 'DELETE' })).status).toBe(200);
    expect((await get('/admin/flows/f2', { method: 'DELETE' })).status).toBe(404);
    expect((await get('/admin/nothing')).status).toBe(404);
    expect((await get('/admin/flows', { method: 'POST' })).status).toBe(405);
  });

  it('O3 answers a malformed percent-escape in the path 400 naming the path, never 500', async () => {
    const get = await serve(null);
    for (const path of ['/admin/cache604/%E0%A4%A', '/admin/tombstones/%zz', '/admin/cache604/bob%40b.example.net%']) {
      for (const method of ['GET', 'DELETE']) {
        const answer = await get(path, { method });
        expect(answer.status, `${method} ${path}`).toBe(400);
        expect(await answer.json()).toMatchObject({
          parameter: 'path',
          error: expect.stringContaining('percent-escape'),
        });
      }
    }
  });

  it('O3 answers a request target that is no path 400, never 500', async () => {
    const server = new AdminServer({
      address: '127.0.0.1',
      port: 0,
      token: null,
      backend: backend(),
      log: silentLogger(),
    });
    servers.push(server);
    await server.listen();
    // fetch() normalises what it sends: a raw socket writes the target as an attacker would.
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.address.port, '127.0.0.1', () =>
        socket.write('GET //[ HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text.slice(0, text.indexOf('\r\n'))));
      socket.on('error', reject);
    });
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
  });

  it('O3 answers a ?limit= that is not a whole number from 1 to 1000 400 naming limit and the range', async () => {
    const admin = backend();
    for (const user of ['ann', 'bob', 'cid'])
      await admin.store.set(`604:sip:${user}@b.example.net`, { peer: 'b.example.net' }, { ttlMs: 60_000 });
    const get = await serve(null, admin);
    for (const limit of ['abc', '-1', '0', '1001', '1e3', '2.5', '', '99999999999999999999', '0x10']) {
      const answer = await get(`/admin/cache604?limit=${encodeURIComponent(limit)}`);
      expect(answer.status, `limit=${limit}`).toBe(400);
      expect(await answer.json()).toMatchObject({ parameter: 'limit', allowed: '1..1000' });
    }
    const bad = await get('/admin/tombstones?after=%3C%3E');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ parameter: 'after' });
    const page = (await (await get('/admin/cache604?limit=2&after=ann%40b.example.net')).json()) as {
      entries: Array<{ key: string }>;
    };
    expect(page.entries.map((e) => e.key)).toEqual(['604:sip:bob@b.example.net', '604:sip:cid@b.example.net']);
    expect((await get('/admin/cache604?limit=1000')).status).toBe(200);
  });

  it('O3 Y2 adds a tombstone only for a user of a served domain: another domain is 422 naming the served ones', async () => {
    const admin = backend();
    const get = await serve(null, admin);
    const post = (address: string) => get('/admin/tombstones', { method: 'POST', body: JSON.stringify({ address }) });
    const foreign = await post('sip:mallory@b.example.net');
    expect(foreign.status).toBe(422);
    expect(await foreign.json()).toMatchObject({
      parameter: 'address',
      allowed: ['user@a.example.com', 'user@a.example.org'],
    });
    expect((await post('carol@sub.a.example.com')).status).toBe(422);
    expect((await post('tel:+15551234567')).status).toBe(400);
    expect((await post('sip:a.example.com')).status).toBe(400);
    expect(admin.removed).toEqual([]);
    expect((await post('sips:Carol@A.Example.ORG:5061')).status).toBe(201);
    expect(admin.removed).toEqual(['sips:Carol@A.Example.ORG:5061']);
  });
});

// I2: one whole community on the edge's built-in registrar and presence server, used by real
// user agents (SIPp, Debian sip-tester): digest registration, a MESSAGE delivered to the registered
// contact, 480 for a user with no binding, PUBLISH, and a SUBSCRIBE that sees the initial, the
// changed and the terminating NOTIFY.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load-config.js';
import { createEdge, type Edge } from '../../../src/edge.js';
import { MemoryStore } from '../../../src/state/memory-store.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  LOCAL_DOMAIN,
  LOOPBACK,
  makeCertificates,
  PortAllocator,
  stopEdge,
} from '../../support/edge-harness.js';
import { finalResponses, requestsReceived, statuses } from '../../support/sipp-outcomes.js';
import { describeSippRun, SIPP_PORT_BLOCK, type SippProcess, type SippResult } from '../../support/sipp.js';
import { SippRuns } from '../../support/sipp-runs.js';

const PASSWORD = 'wonderland';
let workDir: string;
let ports: PortAllocator;
let edge: Edge;
let store: MemoryStore;
let edgePort: number;
const runs = new SippRuns({
  common: () => ({ transport: 'udp', calls: 1, timeoutS: 20, logDir: workDir, remote: `${LOOPBACK}:${edgePort}` }),
});

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-community-'));
  ports = new PortAllocator();
  edgePort = ports.take(2);
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'udp', port: edgePort }],
    external: [{ transport: 'tls', port: edgePort + 1 }],
    adminPort: ports.take(1),
    logLevel: 'warn',
  });
  const parsed = parseConfigText(yaml, 'test');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  store = new MemoryStore();
  edge = createEdge({
    config: parsed.config,
    tls: edgeTlsOptions(makeCertificates(path.join(workDir, 'certs'))),
    store,
  });
  await edge.listen();
  for (const user of ['alice', 'bob', 'carol'])
    await edge.community!.directory.add({
      address: `${user}@${LOCAL_DOMAIN}`,
      password: PASSWORD,
      realm: LOCAL_DOMAIN,
    });
});

afterEach(() => runs.stopAll());

afterAll(async () => {
  await stopEdge(edge);
  await store.close();
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined) rmSync(workDir, { recursive: true, force: true });
});

async function register(user: string, contactPort: number, password = PASSWORD): Promise<SippResult> {
  return runs.start(`register-${user}`, 'community/uac-register.xml', {
    basePort: ports.take(SIPP_PORT_BLOCK),
    service: user,
    extraArgs: ['-au', user, '-ap', password],
    keys: { domain: LOCAL_DOMAIN, contact: `sip:${user}@${LOOPBACK}:${contactPort}`, expires: '600' },
  }).exited;
}

describe('I2 built-in registrar with SIPp user agents (RFC 3261 §10, RFC 8760 digest)', () => {
  it("registers alice with digest authentication, and bob's MESSAGE to alice@a.example.com reaches her registered contact", async () => {
    const alicePort = ports.take(SIPP_PORT_BLOCK);
    const aliceUa = runs.startServer('alice-ua', 'uas-message.xml', { basePort: alicePort });
    await aliceUa.listening();
    const registration = await register('alice', alicePort);
    expect(registration.exitCode, describeSippRun(registration)).toBe(0);
    expect(statuses(registration)).toEqual([401, 200]);
    const message = await runs.succeeded(
      runs.start('bob-message', 'community/uac-message.xml', {
        basePort: ports.take(SIPP_PORT_BLOCK),
        service: 'alice',
        keys: { domain: LOCAL_DOMAIN, from_user: 'bob' },
      }),
    );
    expect(statuses(message)).toEqual([200]);
    const delivered = await runs.succeeded(aliceUa);
    // RFC 3261 §16.5: the Request-URI became the contact alice registered.
    expect(requestsReceived(delivered, 'MESSAGE').map((r) => r.startLine)).toEqual([
      `MESSAGE sip:alice@${LOOPBACK}:${alicePort} SIP/2.0`,
    ]);
  });

  it('answers a MESSAGE to a user with no binding 480, and refuses a wrong password with 403', async () => {
    const unavailable = await runs.succeeded(
      runs.start('message-carol', 'community/uac-message.xml', {
        basePort: ports.take(SIPP_PORT_BLOCK),
        service: 'carol',
        keys: { domain: LOCAL_DOMAIN, from_user: 'bob' },
      }),
    );
    expect(statuses(unavailable)).toEqual([480]);
    const refused = await register('bob', ports.take(1), 'guess');
    // SIPp repeats its REGISTER when the 403 is unexpected; every answer after the challenge is 403.
    expect(new Set(finalResponses(refused).map((r) => r.status))).toEqual(new Set([401, 403]));
  });
});

describe('I2 built-in presence server with SIPp user agents (RFC 3903, RFC 6665, RFC 3856)', () => {
  it('sends a watcher the initial NOTIFY, the published state with RPID, CIPID and an unknown extension unchanged, and a terminating NOTIFY', async () => {
    const watcherPort = ports.take(SIPP_PORT_BLOCK);
    const watcher = runs.start('watcher', 'community/uac-watch.xml', {
      basePort: watcherPort,
      service: 'alice',
      keys: { domain: LOCAL_DOMAIN, contact: `sip:watcher@${LOOPBACK}:${watcherPort}` },
    });
    await subscriptionNotified(`presence-sub:sip:alice@${LOCAL_DOMAIN}:`, watcher);
    const published = await runs.succeeded(
      runs.start('alice-publish', 'community/uac-publish.xml', {
        basePort: ports.take(SIPP_PORT_BLOCK),
        service: 'alice',
        keys: { domain: LOCAL_DOMAIN },
      }),
    );
    expect(statuses(published)).toEqual([200]);
    const watched = await runs.succeeded(watcher);
    expect(requestsReceived(watched, 'NOTIFY').map((n) => n.value('subscription-state')?.split(';')[0])).toEqual([
      'active',
      'active',
      'terminated',
    ]);
  });
});

/** Waits until the presence server has sent the subscription's initial NOTIFY (or the watcher ended). */
async function subscriptionNotified(prefix: string, watcher: SippProcess): Promise<void> {
  let ended = false;
  void watcher.exited.then(() => (ended = true));
  for (;;) {
    const entries = await store.list<{ notifyCSeq: number }>(prefix);
    if (entries.some((e) => e.value.notifyCSeq >= 1) || ended) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

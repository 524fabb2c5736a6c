// L1: the same load tester against another edge — Kamailio from Debian, started on loopback
// with the fixture test/fixtures/loadtest-kamailio/kamailio-edge.cfg (mutual TLS towards the peer,
// stateful relay to the community, one P6 rule of its own). The run must complete and report what
// Kamailio answered; which policies it holds is Kamailio's business, so only the outcomes it is
// configured to give are asserted.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../../src/loadtest/report-html.js';
import { runLoadtest } from '../../../src/loadtest/run-loadtest.js';
import { parseScenarioFile } from '../../../src/loadtest/scenario-file.js';
import { ensureDebianPackages } from '../../support/apt.js';
import { LOCAL_DOMAIN, LOOPBACK, PEER_DOMAIN, PortAllocator } from '../../support/edge-harness.js';
import { KamailioProcess } from '../../support/kamailio.js';
import { LoadtestLab } from '../../support/loadtest-lab.js';

let workDir: string;
let lab: LoadtestLab;
let kamailio: KamailioProcess | undefined;
const ports = { tls: 0, tcp: 0 };

beforeAll(async () => {
  await ensureDebianPackages(['kamailio', 'kamailio-tls-modules']);
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-loadtest-kamailio-'));
  lab = new LoadtestLab(workDir);
  const first = new PortAllocator().take(2);
  Object.assign(ports, { tls: first, tcp: first + 1 });
  const own = lab.certificates.byDomain[LOCAL_DOMAIN]!;
  kamailio = await KamailioProcess.start({
    workDir,
    tlsPort: ports.tls,
    tcpPort: ports.tcp,
    communityPort: lab.ports.community,
    cert: own.cert,
    key: own.key,
    ca: lab.certificates.ca,
  });
});

afterAll(async () => {
  await kamailio?.stop();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('L1 simple-edge loadtest against Kamailio as the edge under test', () => {
  it("L1 completes a mixed run over mutual TLS and reports Kamailio's outcomes: relays what it has no rule for, 423 for short Expires", async () => {
    const parsed = parseScenarioFile(
      JSON.stringify({
        target: { external: { host: LOOPBACK, port: ports.tls }, localDomain: LOCAL_DOMAIN, peerDomain: PEER_DOMAIN },
        listen: { community: { host: LOOPBACK, port: lab.ports.community } },
        rate: 100,
        duration: 2,
        senders: 5,
        scenarios: [
          { kind: 'message-flood', weight: 2, expect: [{ policy: 'Y1 rate limits', outcome: '503', atLeast: 1 }] },
          {
            kind: 'subscribe-short-expires',
            expect: [{ policy: 'P6 minimum Expires', outcome: '423', atLeastShare: 1 }],
          },
          { kind: 'long-record-route' },
          { kind: 'spoofed-origin' },
        ],
      }),
    );
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const report = await runLoadtest({ file: parsed.file, tls: lab.peerIdentity });
    const byKind = Object.fromEntries(report.scenarios.map((s) => [s.kind, s]));
    expect(report.totals.completed, kamailio?.log).toBe(report.totals.sent);
    expect(report.totals.sent).toBeGreaterThan(150);
    // Kamailio has no rate limit, no Record-Route limit and no implicit-authority check configured:
    // it relays, and the tool's far side answers 2xx end to end.
    for (const kind of ['message-flood', 'long-record-route', 'spoofed-origin']) {
      expect(byKind[kind]!.outcomes, kind).toEqual({ '2xx': byKind[kind]!.sent });
      expect(byKind[kind]!.crossed, kind).toBe(byKind[kind]!.sent);
    }
    expect(byKind['subscribe-short-expires']!.outcomes).toEqual({ 423: byKind['subscribe-short-expires']!.sent });
    expect(report.verdicts.map((v) => [v.policy, v.passed])).toEqual([
      ['Y1 rate limits', false],
      ['P6 minimum Expires', true],
    ]);
    expect(renderHtmlReport(report)).toContain('broken');
  });
});

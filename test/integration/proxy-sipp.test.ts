// S3: the edge between real user agents. SIPp (Debian sip-tester) runs the UAC and the UAS on
// loopback, stunnel gives them mutual TLS where a leg crosses the border, and each run must complete
// every call (SIPp exit code 0). test/support/sipp-relay.ts draws the topologies.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOPBACK, makeCertificates, PortAllocator } from '../support/edge-harness.js';
import { describeSippRun, type SippResult } from '../support/sipp.js';
import {
  countReceived,
  recordRouteSeen,
  SippRelayLab,
  successfulCalls,
  type RelayResult,
  type ScenarioName,
  type Topology,
} from '../support/sipp-relay.js';

/** SIPp -m: calls per run. Under -lost 10, 20 calls lose some final response in nearly every run, so the retransmission paths all run. */
const CALLS = 20;

let workDir: string;
let lab: SippRelayLab;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-sipp-'));
  lab = new SippRelayLab({
    ports: new PortAllocator(),
    certificates: makeCertificates(path.join(workDir, 'certs')),
    workDir,
  });
});

afterAll(async () => {
  await lab.cleanup();
  // SIMPLE_EDGE_KEEP_LOGS=1 keeps every SIPp message log and stunnel log for a post-mortem.
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined) rmSync(workDir, { recursive: true, force: true });
});

function expectEveryCallSucceeded(run: SippResult, calls: number): void {
  expect(run.exitCode, describeSippRun(run)).toBe(0);
  expect(successfulCalls(run.stdoutTail), describeSippRun(run)).toBe(calls);
}

const SCENARIOS: ReadonlyArray<{ scenario: ScenarioName; does: string; dialogMethod?: string }> = [
  { scenario: 'message', does: 'M1 relays page-mode MESSAGE UAC → edge → UAS' },
  { scenario: 'options', does: 'M3 relays OPTIONS to a user UAC → edge → UAS' },
  {
    scenario: 'subscribe',
    does: 'I1 relays SUBSCRIBE (Event: presence) and the NOTIFYs of its dialog back',
    dialogMethod: 'SUBSCRIBE',
  },
  {
    scenario: 'invite-im',
    does: 'M2 relays INVITE/180/200/ACK, a MESSAGE inside the dialog, and BYE',
    dialogMethod: 'INVITE',
  },
];

/** The Record-Route the UAS must see: one entry on a single listener, two when the request changes listener (RFC 5658). */
function expectedRecordRoute(topology: Topology, run: RelayResult): unknown[] {
  const internalUdp = `<sip:${LOOPBACK}:${run.edge.internal};lr>`;
  const internalTcp = `<sip:${LOOPBACK}:${run.edge.internal};transport=tcp;lr>`;
  const externalTls = `<sip:${LOOPBACK}:${run.edge.externalTls};transport=tls;lr>`;
  // B3: leaving the community, the entry facing the client carries a flow token naming where it is.
  const internalTcpWithToken = expect.stringMatching(
    new RegExp(`^<sip:[\\w-]+\\.[\\w-]+@${LOOPBACK.replaceAll('.', '\\.')}:${run.edge.internal};transport=tcp;lr>$`),
  );
  switch (topology) {
    case 'udp':
      return [internalUdp];
    case 'tcp':
      return [internalTcp];
    case 'internal-tcp-to-external-tls':
      return [externalTls, internalTcpWithToken];
    case 'external-tls-to-internal-tcp':
      return [internalTcp, externalTls];
  }
}

const TOPOLOGIES: ReadonlyArray<{ topology: Topology; describe: string; over: string }> = [
  { topology: 'udp', describe: 'S3 stateful proxy with SIPp peers, internal UDP', over: 'over UDP' },
  { topology: 'tcp', describe: 'S3 stateful proxy with SIPp peers, internal TCP', over: 'over TCP' },
  {
    topology: 'internal-tcp-to-external-tls',
    describe: 'F2 I3 crossing sides: internal TCP → peer over mutual TLS (stunnel server)',
    over: 'from internal TCP to b.example.net over TLS',
  },
  {
    topology: 'external-tls-to-internal-tcp',
    describe: 'F2 I1 crossing sides: peer over mutual TLS (stunnel client) → internal TCP',
    over: 'from b.example.net over TLS to internal TCP',
  },
];

for (const { topology, describe: title, over } of TOPOLOGIES) {
  describe(title, () => {
    for (const { scenario, does, dialogMethod } of SCENARIOS) {
      it(`${does} ${over}, ${CALLS} calls`, async () => {
        const run = await lab.relay({ scenario, topology, calls: CALLS });
        expectEveryCallSucceeded(run.uac, CALLS);
        expectEveryCallSucceeded(run.uas, CALLS);
        if (dialogMethod !== undefined) {
          // RFC 3261 §16.6 step 4: the edge stays on the dialog path, and the requests inside the
          // dialog (ACK, MESSAGE, BYE, NOTIFY) reached the other side through those entries.
          expect(recordRouteSeen(run.uas.messageLog, dialogMethod)).toEqual(expectedRecordRoute(topology, run));
        }
      }, 60_000);
    }
  });
}

describe('S3 retransmitted 2xx over UDP', () => {
  it("M2 relays every retransmission of the callee's 200 OK to the caller while the ACK is late (RFC 3261 §13.3.1.4)", async () => {
    // uac-invite-im.xml sends its ACK 1 s after the 200, so the UAS retransmits the 200 at T1 (500 ms).
    const calls = 5;
    const run = await lab.relay({ scenario: 'invite-im', topology: 'udp', calls });
    expectEveryCallSucceeded(run.uac, calls);
    expectEveryCallSucceeded(run.uas, calls);
    expect(countReceived(run.uac.messageLog, /^SIP\/2\.0 200 /, 'INVITE')).toBeGreaterThanOrEqual(2 * calls);
  }, 60_000);
});

describe.concurrent('S3 retransmissions: UDP with SIPp -lost 10 on the UAC and the UAS', () => {
  for (const { scenario, does } of SCENARIOS) {
    it(`${does} when 10% of the messages each user agent sends or receives are lost`, async () => {
      const run = await lab.relay({ scenario, topology: 'udp', calls: CALLS, lostPercent: 10 });
      expectEveryCallSucceeded(run.uac, CALLS);
      expectEveryCallSucceeded(run.uas, CALLS);
    }, 150_000);
  }
});

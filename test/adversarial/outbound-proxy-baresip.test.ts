// F7, F2, D2 and B1 with a stock client: baresip (Debian) registers at the built-in registrar of a
// running `simple-edge start` process and uses the edge as its outbound proxy — its default — so every
// request carries a preloaded `Route: <sip:EDGE;lr>` while the Request-URI names the real target,
// bob of community B, whose edge is Kamailio (test/fixtures/kamailio-peer/) behind mutual TLS.
// The MESSAGE and the presence SUBSCRIBE must reach B's side through Kamailio, the edge must audit
// the crossing by Call-ID, and a capture (tcpdump, read back with tshark) must show nothing but TLS
// between the edge and Kamailio: no plaintext SIP towards B, nothing to the address b.example.net
// resolves to in the edge's own resolver, no DNS query for it.
//
//   baresip ──udp|tcp──▶ edge (builtin registrar) ══tls══▶ Kamailio (B's edge) ──tcp──▶ bob's UA

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ensureDebianPackages } from '../support/apt.js';
import { Baresip } from '../support/baresip.js';
import { EdgeProcess, ensureBuilt } from '../support/edge-process.js';
import { LOOPBACK } from '../support/edge-harness.js';
import { isTlsRecord, PacketCapture, plaintextSipStartLine, type CapturedPacket } from '../support/packet-capture.js';
import { PrivateResolver } from '../support/private-resolver.js';
import {
  A,
  B,
  communityPorts,
  federationFixture,
  writeTlsFiles,
  type CommunityPorts,
} from '../integration/federation/federation-lab.js';
import { KamailioPeerEdge } from '../integration/federation/kamailio-peer-lab.js';
import { SipEndpoint } from '../integration/subscriptions/sip-endpoint.js';
import { headerValues } from './sip-wire-text.js';

const PASSWORD = 'wonderland';
const { ports, tlsA, tlsB } = federationFixture();

let workDir: string;
let portsA: CommunityPorts;
let portsB: CommunityPorts;
let edge: EdgeProcess | undefined;
let resolver: PrivateResolver | undefined;
let edgeTlsDir: string | undefined;
let kamailio: KamailioPeerEdge | undefined;
let bob: SipEndpoint | undefined;
const clients: Baresip[] = [];

beforeAll(async () => {
  await ensureDebianPackages(['baresip', 'kamailio', 'kamailio-tls-modules', 'tcpdump', 'tshark']);
  await ensureBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-outbound-proxy-'));
  resolver = await PrivateResolver.start(workDir);
  portsA = communityPorts(ports);
  portsB = communityPorts(ports);
  bob = await SipEndpoint.listen({ name: 'bob-b', port: portsB.endpoint });
  // A SUBSCRIBE's 200 needs a Contact for the dialog (RFC 6665 §4.2.1) and says how long it lasts.
  bob.answer = (request) =>
    request.method === 'SUBSCRIBE'
      ? { status: 200, headers: [`Contact: <sip:bob@${LOOPBACK}:${portsB.endpoint};transport=tcp>`, 'Expires: 600'] }
      : { status: 200 };
  kamailio = await KamailioPeerEdge.start({
    own: tlsB,
    peer: tlsA,
    tlsPort: portsB.external,
    tcpPort: portsB.internal,
    userAgentPort: portsB.endpoint,
    edgePort: portsA.external,
  });
  edge = await startEdgeProcess();
}, 600_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()));
  await edge?.kill('SIGKILL');
  await kamailio?.stop();
  await bob?.close();
  await resolver?.close();
  if (edgeTlsDir !== undefined) rmSync(edgeTlsDir, { recursive: true, force: true });
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined && workDir !== undefined)
    rmSync(workDir, { recursive: true, force: true });
});

/** Community A's edge as an operator runs it: internal UDP and TCP, a static route to Kamailio, audit on stdout. */
async function startEdgeProcess(): Promise<EdgeProcess> {
  const tls = writeTlsFiles(tlsA, tlsB);
  edgeTlsDir = tls.dir;
  writeFileSync(
    path.join(workDir, 'users.yaml'),
    stringify({ users: [{ address: `alice@${A}`, password: PASSWORD }] }),
  );
  writeFileSync(
    path.join(workDir, 'edge.yaml'),
    stringify({
      domains: [A],
      listen: {
        internal: [
          { transport: 'udp', address: LOOPBACK, port: portsA.internal },
          { transport: 'tcp', address: LOOPBACK, port: portsA.internal },
        ],
        external: [{ transport: 'tls', address: LOOPBACK, port: portsA.external }],
      },
      tls: { certificates: [{ domain: A, cert: tls.cert, key: tls.key }], ca: tls.ca },
      community: { usersFile: path.join(workDir, 'users.yaml') },
      routes: [{ domain: B, targets: [{ host: LOOPBACK, port: portsB.external, transport: 'tls' }] }],
      state: { backend: 'memory' },
      // A fetch of B's policy document would ask DNS for b.example.net: not what this test watches for.
      policyDocument: { fetch: false },
      admin: { listen: `${LOOPBACK}:${portsA.admin}` },
      audit: { enabled: true, file: null },
      log: { level: 'warn' },
    }),
  );
  // Its system resolver is its own: the capture tells its DNS queries from other programs', and
  // b.example.net resolves for it, as it would in the field, to a sink where any leak shows.
  return EdgeProcess.start({ cwd: workDir, configFile: 'edge.yaml', listeners: 3, wrapper: resolver!.wrapper });
}

/**
 * The edge's DNS queries, anything towards what a name resolves to for it (the sink), the SIP default
 * ports on any address, and every port of both communities on loopback.
 */
function captureFilter(): string {
  const local = [portsA.internal, portsA.external, portsB.external, portsB.internal, portsB.endpoint]
    .map((p) => `port ${p}`)
    .join(' or ');
  return `(host ${resolver!.address} and port 53) or host ${resolver!.sinkAddress} or port 5060 or port 5061 or (host ${LOOPBACK} and (${local}))`;
}

/** The requests bob's UA got from alice: the MESSAGE carrying `text`, and her presence SUBSCRIBE. */
function atBob(text: string): { message: string | undefined; subscribe: string | undefined } {
  const received = bob!.received.map((r) => r.request);
  const message = received.find((r) => r.method === 'MESSAGE' && r.body.toString('utf8').includes(text));
  const subscribe = received.find(
    (r) => r.method === 'SUBSCRIBE' && (r.headers.get('from') ?? '').includes(`alice@${A}`),
  );
  return { message: message?.callId, subscribe: subscribe?.callId };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The requests baresip's SIP trace (-s) shows it sending to b.example.net's bob, with their Route. */
function sentByClient(output: string, method: string): Array<{ callId: string; route: string[] }> {
  const blocks = output
    .split(/(?=^(?:MESSAGE|SUBSCRIBE|REGISTER|PUBLISH|NOTIFY) sip:)/m)
    .filter((b) => b.startsWith(`${method} sip:bob@${B}`));
  return blocks.map((block) => {
    const text = block.replace(/\r?\n/g, '\r\n');
    return { callId: headerValues(text, 'call-id')[0] ?? '', route: headerValues(text, 'route') };
  });
}

/** Plaintext SIP anywhere but baresip → edge (internal side) and Kamailio → bob's UA (inside B). */
function plaintextTowardsB(packets: readonly CapturedPacket[]): string[] {
  const insideA = new Set([portsA.internal]);
  return packets.flatMap((p) => {
    const line = plaintextSipStartLine(p.payload);
    if (
      line === undefined ||
      !line.includes(B) ||
      insideA.has(p.destination.port) ||
      p.destination.port === portsB.endpoint
    )
      return [];
    return [
      `${p.protocol} ${p.source.address}:${p.source.port} → ${p.destination.address}:${p.destination.port} ${line}`,
    ];
  });
}

interface AuditLine {
  readonly name?: string;
  readonly direction?: string;
  readonly peer?: string;
  readonly method?: string;
  readonly callId?: string;
  readonly status?: number;
}

function auditLines(output: string): AuditLine[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"simple-edge-audit"'))
    .map((line) => JSON.parse(line) as AuditLine);
}

describe('F7 F2 D2 B1 a softphone with the edge as its outbound proxy (baresip, preloaded Route) reaches a Kamailio peer community only over mutual TLS', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`F7 F2 D2 outbound proxy over ${transport.toUpperCase()}: baresip's MESSAGE and SUBSCRIBE to bob@${B} cross to Kamailio over mutual TLS, audited, and no plaintext SIP or DNS goes towards ${B}`, async () => {
      const capture = await PacketCapture.start({
        workDir,
        name: `outbound-proxy-${transport}`,
        filter: captureFilter(),
      });
      const base = ports.take(4);
      const text = `hello-bob-over-${transport}-${process.pid}`;
      const client = await Baresip.start({
        name: `alice-${transport}`,
        workDir,
        sipPort: base,
        ctrlPort: base + 2,
        edgePort: portsA.internal,
        edgeTransport: transport,
        user: 'alice',
        domain: A,
        password: PASSWORD,
        contacts: [`sip:bob@${B}`],
        presence: { publishSeconds: 600 },
        runSeconds: 45,
      });
      clients.push(client);
      await client.waitFor(/200 OK/);
      client.command(`/message ${text}`);
      await waitUntil(() => atBob(text).message !== undefined && atBob(text).subscribe !== undefined, 15_000);
      const flows = await fetch(`http://${LOOPBACK}:${portsA.admin}/admin/flows`).then(
        (r) => r.json() as Promise<{ flows: Array<{ protocol?: string; peerIdentity: string[] }> }>,
      );
      await client.stop();
      const packets = await capture.stop();

      // The scenario is the one under test: baresip preloaded the edge as a Route, the Request-URI naming bob.
      const sentMessages = sentByClient(client.output, 'MESSAGE');
      expect(sentMessages.length, `baresip sent no MESSAGE to bob:\n${client.output.slice(-3000)}`).toBeGreaterThan(0);
      expect(sentMessages[0]!.route.join(', ')).toMatch(
        new RegExp(`<sip:${LOOPBACK.replaceAll('.', '\\.')}:${portsA.internal};transport=${transport};lr>`),
      );
      const callId = sentMessages[0]!.callId;

      // B1: it arrived at bob's side through Kamailio, and the edge audited the crossing by its Call-ID.
      const arrived = atBob(text);
      expect
        .soft(
          arrived.message,
          `the MESSAGE never reached bob's UA behind Kamailio; baresip saw:\n${client.output.slice(-2500)}`,
        )
        .toBe(callId);
      expect.soft(arrived.subscribe, "the presence SUBSCRIBE never reached bob's UA behind Kamailio").toBeDefined();
      const audited = auditLines(edge!.output).filter((line) => line.callId === callId);
      expect
        .soft(
          audited.map((l) => `${l.direction} ${l.peer} ${l.method} ${l.status}`),
          "audit lines with the MESSAGE's Call-ID",
        )
        .toEqual([`outbound ${B} MESSAGE 200`]);

      // F2: the only connection between the edge and B is mutual TLS, authenticated as B.
      expect
        .soft(
          flows.flows.some((f) => f.peerIdentity.includes(B)),
          'no flow of the edge is authenticated as b.example.net',
        )
        .toBe(true);
      // F4: the edge may send over the connection it opened to Kamailio's TLS port, or over one Kamailio
      // opened to the edge's external listener (the earlier test's NOTIFYs): bytes from the edge on either.
      const towardsKamailio = packets.filter(
        (p) =>
          p.protocol === 'tcp' &&
          p.payload.length > 0 &&
          (p.destination.port === portsB.external ||
            (p.source.port === portsA.external && p.destination.address === LOOPBACK)),
      );
      expect.soft(towardsKamailio.length, 'nothing went from the edge to Kamailio over TLS').toBeGreaterThan(0);
      expect
        .soft(
          towardsKamailio
            .filter((p) => !isTlsRecord(p.payload))
            .map((p) => p.payload.subarray(0, 40).toString('latin1')),
          'non-TLS bytes to Kamailio',
        )
        .toEqual([]);

      // B1 D2: no plaintext SIP towards B, nothing to where B's name resolves, and no lookup of that name:
      // the static route to Kamailio is the only way to B.
      expect.soft(plaintextTowardsB(packets), 'plaintext SIP for b.example.net leaving the edge').toEqual([]);
      const towardsSink = packets.filter((p) => p.destination.address === resolver!.sinkAddress);
      expect
        .soft(
          towardsSink.map(
            (p) =>
              `${p.protocol} → ${p.destination.address}:${p.destination.port} ${plaintextSipStartLine(p.payload) ?? ''}`,
          ),
          'packets to the address b.example.net resolves to',
        )
        .toEqual([]);
      const edgeQueries = packets.filter(
        (p) => p.destination.address === resolver!.address && p.dnsQuery !== undefined,
      );
      expect
        .soft(
          edgeQueries.filter((p) => p.dnsQuery!.toLowerCase() === B).map((p) => `${p.dnsQuery} → system resolver`),
          "the edge's DNS queries for b.example.net",
        )
        .toEqual([]);
    }, 90_000);
  }
});

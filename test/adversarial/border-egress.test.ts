// The egress hunt (B1, B3). Hunts violations of B1 — a request
// leaves towards another domain only over mutual TLS to an allowed peer, with its audit line, or is
// answered at the edge — and of B3 — nothing the edge sends is steered by a field the
// request wrote: answers go to the source address (and source port with rport), never to a host a
// Via, Contact or Record-Route names, and no DNS query asks for one.
//
// fast-check draws a few hundred request addressings from a fixed seed (Route sets loose, strict,
// naming the external listener, several own Routes, foreign hosts; sip:, sips:, tel:, im:, pres:,
// user=phone, maddr, transport, IP literals of the peer's edge and of unrelated hosts; own, peer
// and unknown domains, an allowed peer whose DNS lists only plain SIP; in and out of dialog;
// honest and spoofed Via, Contact, From, Record-Route), sends each over UDP or TCP from a softphone
// of the community to one running `simple-edge start` in a network namespace of its own, and
// judges the edge by what tcpdump saw it send (egress-rule.ts), what the peer's edge received over
// mutual TLS, what reached the plaintext trap, the audit log, and the answer the softphone got.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEER_DOMAIN } from '../support/edge-harness.js';
import { BorderLab, EDGE_PORTS, edgeLogFor, type LabRecord } from './border-lab.js';
import { clientsKey, egressViolations, type Violation } from './egress-rule.js';
import { addressingCase, callIdFor, describeCase, render, type AddressingCase } from './request-addressing.js';
import { openSoftphone } from './softphone.js';

const SEED = 0x5e1d9e;
/** Below 254, so each case has a public IP literal of its own (casePublicAddress). */
const CASES = 240;
/** Cases in flight at once; each waits for its final response at most ANSWER_MS. */
const CONCURRENCY = 16;
const ANSWER_MS = 3_000;

interface Outcome {
  readonly index: number;
  readonly spec: AddressingCase;
  readonly final: string | undefined;
  readonly sourcePort: number;
  readonly start: number;
  readonly end: number;
}

let lab: BorderLab;
let token: string;
let outcomes: Outcome[] = [];
let record: LabRecord;
let violations: Violation[] = [];

beforeAll(async () => {
  lab = await BorderLab.start('adversarial-egress');
  token = lab.ns.name.slice('se-adv-'.length);
  const specs = fc.sample(addressingCase, { seed: SEED, numRuns: CASES });
  const clients = new Map<string, number>();
  const caseClients = new Map<number, string>();
  const honestContacts = new Set<string>();
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < specs.length; index = next++) {
      const spec = specs[index]!;
      const phone = await openSoftphone({
        transport: spec.transport,
        address: lab.ns.worldAddress,
        edge: lab.edgeInternal,
      });
      clients.set(clientsKey(spec.transport, phone.port), index);
      caseClients.set(index, clientsKey(spec.transport, phone.port));
      if (spec.contact === 'honest') honestContacts.add(clientsKey(spec.transport, phone.port));
      const text = render(spec, {
        index,
        token,
        edge: lab.ns.edgeAddress,
        edgePort: EDGE_PORTS.internal,
        externalPort: EDGE_PORTS.external,
        world: lab.ns.worldAddress,
        sourcePort: phone.port,
        peerPort: lab.peer.port,
      });
      const start = Date.now();
      const exchange = await phone.exchange(text, callIdFor({ index, token }), ANSWER_MS);
      outcomes.push({ index, spec, final: exchange.final, sourcePort: exchange.sourcePort, start, end: Date.now() });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  outcomes = outcomes.sort((a, b) => a.index - b.index);
  record = await lab.finish();
  violations = egressViolations(record.packets, {
    edge: lab.ns.edgeAddress,
    world: lab.ns.worldAddress,
    peerPort: lab.peer.port,
    resolver: { address: lab.ns.worldAddress, port: lab.bind9.port },
    phonePort: lab.phone.address.port,
    edgePorts: Object.values(EDGE_PORTS),
    internalPort: EDGE_PORTS.internal,
    token,
    clients,
    caseClients,
    honestContacts,
    windows: outcomes.map((o) => ({ index: o.index, start: o.start, end: o.end })),
  });
}, 180_000);

afterAll(async () => {
  await lab?.cleanup();
});

function caseLine(index: number): string {
  const outcome = outcomes[index];
  if (outcome === undefined) return `#${index}`;
  const answered = outcome.final?.split('\r\n')[0] ?? 'no final response';
  const log =
    outcome.final === undefined
      ? edgeLogFor(record, callIdFor({ index, token }))
          .map((line) => `\n      edge log: ${line}`)
          .join('')
      : '';
  return `${describeCase(outcome.spec, index)} (softphone port ${outcome.sourcePort}; got: ${answered})${log}`;
}

function violationLines(kind: Violation['kind']): string[] {
  return violations
    .filter((v) => v.kind === kind)
    .map((v) =>
      v.caseIndex !== undefined
        ? `${caseLine(v.caseIndex)}\n    edge ${v.what}`
        : `edge ${v.what}\n    while in flight (${v.candidates.length} cases): ${v.candidates
            .slice(0, 6)
            .map((i) => describeCase(outcomes[i]!.spec, i))
            .join('\n      ')}`,
    );
}

describe('B1 B3 the egress hunt: generated addressings from an internal softphone against a running edge', () => {
  it('B1 ran every generated case against the edge and captured what it sent', () => {
    expect(outcomes).toHaveLength(CASES);
    // The capture works: it saw the edge answer the softphones and register alice's phone.
    expect(record.packets.length).toBeGreaterThan(CASES);
  });

  it('B1 each request either crossed over mutual TLS to b.example.net with its audit line, or was answered at the edge', () => {
    const failures: string[] = [];
    for (const outcome of outcomes) {
      const callId = callIdFor({ index: outcome.index, token });
      const crossed = lab.peer.arrived.some((r) => r.callId === callId);
      const audited = record.audit.some(
        (line) => line.callId === callId && line.direction === 'outbound' && line.peer === PEER_DOMAIN,
      );
      if (crossed && !audited)
        failures.push(
          `${caseLine(outcome.index)}\n    crossed to ${PEER_DOMAIN} over mutual TLS without an outbound audit line`,
        );
      if (outcome.final === undefined) {
        failures.push(
          `${caseLine(outcome.index)}\n    no final response reached the softphone in ${ANSWER_MS} ms (${crossed ? 'it crossed to the peer' : 'it did not cross to the peer'})`,
        );
      }
    }
    expect(failures, `${failures.length} of ${CASES} cases:\n${failures.join('\n')}`).toEqual([]);
  });

  it('B1 no request reached a peer in cleartext, though DNS lists plain SIP for both allowed peers', () => {
    const leaked = lab.trap.arrived.map((a) => {
      const index = Number(/^adv-[0-9a-f]+-(\d+)$/.exec(a.callId)?.[1]);
      return `${Number.isNaN(index) ? a.callId : caseLine(index)}\n    arrived over plain ${a.transport.toUpperCase()} at the trap DNS lists as SIP+D2${a.transport === 'tcp' ? 'T' : 'U'}`;
    });
    expect(leaked, `${leaked.length} requests:\n${leaked.join('\n')}`).toEqual([]);
  });

  it("B1 the edge sent nothing anywhere but mutual TLS to the allowed peer, the registered contact and the softphones' own answers", () => {
    const lines = violationLines('B1');
    expect(lines, `${lines.length} violations:\n${lines.join('\n')}`).toEqual([]);
  });

  it('B3 no answer, packet or DNS query went to a host a Via, Contact, From or Record-Route named, nor DNS to an unconfigured resolver', () => {
    const lines = violationLines('B3');
    expect(lines, `${lines.length} violations:\n${lines.join('\n')}`).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config.js';
import type { StreamCandidate } from '../transport/transport-options.js';
import { PeerDirectory } from './peer-directory.js';
import { PeerFlowTable, type PeerFlowObserver } from './peer-flow-table.js';

const PIN = 'q'.repeat(43) + '=';

function tableFrom(yaml: string, observer?: PeerFlowObserver): PeerFlowTable {
  const parsed = parseConfigText(`domains: [a.example.com]\n${yaml}`, 'test');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return new PeerFlowTable(new PeerDirectory(parsed.config), observer);
}

let serial = 0;
function candidate(overrides: Partial<StreamCandidate>): StreamCandidate {
  return {
    id: `flow-${++serial}`,
    side: 'external',
    protocol: 'tls',
    direction: 'inbound',
    peerIdentity: ['b.example.net'],
    spkiSha256: undefined,
    servername: undefined,
    ...overrides,
  };
}

const CONFIG = [
  'discovery: { allow: [b.example.net, c.example.org], deny: [evil.example] }',
  `agreements: [{ peer: c.example.org, maxInboundFlows: 1, maxFlows: 1, trust: { spki: ["${PIN}"] } }]`,
  'limits: { maxInboundFlowsPerPeer: 2 }',
].join('\n');

describe('F4 connection caps per peer domain', () => {
  it('F4 refuses an inbound connection above the peer cap, and admits again once one closed', () => {
    const table = tableFrom(CONFIG);
    const first = candidate({});
    expect(table.admit(first)).toBeUndefined();
    expect(table.admit(candidate({}))).toBeUndefined();
    expect(table.admit(candidate({}))).toMatch(/already holds 2 inbound/);
    expect(table.stats.refused.cap).toBe(1);
    table.forget(first.id);
    expect(table.admit(candidate({}))).toBeUndefined();
    expect(table.count('b.example.net', 'inbound')).toBe(2);
  });

  it('G1 an agreement caps its peer at its own number, outbound and inbound apart', () => {
    const table = tableFrom(CONFIG);
    const pinned = { peerIdentity: ['c.example.org'], spkiSha256: PIN };
    expect(table.admit(candidate(pinned))).toBeUndefined();
    expect(table.admit(candidate(pinned))).toMatch(/inbound/);
    expect(table.admit(candidate({ ...pinned, direction: 'outbound', servername: 'c.example.org' }))).toBeUndefined();
    expect(table.admit(candidate({ ...pinned, direction: 'outbound', servername: 'c.example.org' }))).toMatch(
      /outbound/,
    );
  });

  it('F4 lists the flows the peer opened before those the edge opened', () => {
    const table = tableFrom(CONFIG);
    const outbound = candidate({ direction: 'outbound', servername: 'b.example.net' });
    const inbound = candidate({});
    table.admit(outbound);
    table.admit(inbound);
    expect(table.flowsOf('B.example.net')).toEqual([inbound.id, outbound.id]);
  });

  it('O3 tells its observer of every connection counted, released and refused', () => {
    const events: string[] = [];
    const table = tableFrom(CONFIG, {
      counted: (peer, direction, delta) => events.push(`${peer} ${direction} ${delta}`),
      refused: (kind) => events.push(`refused ${kind}`),
    });
    const flow = candidate({});
    table.admit(flow);
    table.admit(candidate({ peerIdentity: ['evil.example'] }));
    table.forget(flow.id);
    expect(events).toEqual(['b.example.net inbound 1', 'refused denied', 'b.example.net inbound -1']);
  });

  it('F4 leaves the internal side and connections without a known peer alone', () => {
    const table = tableFrom(CONFIG);
    expect(table.admit(candidate({ side: 'internal', peerIdentity: ['evil.example'] }))).toBeUndefined();
    expect(table.admit(candidate({ protocol: 'tcp', peerIdentity: undefined }))).toBeUndefined();
  });
});

describe('D1 and G1 judged on the verified identity', () => {
  it('D1 refuses a certificate naming a denied domain, or in closed mode one naming no provisioned peer', () => {
    const table = tableFrom(CONFIG);
    expect(table.admit(candidate({ peerIdentity: ['b.example.net', 'evil.example'] }))).toMatch(/deny/);
    expect(table.admit(candidate({ peerIdentity: ['x.example.org'] }))).toMatch(/closed federation/);
    expect(table.stats.refused).toMatchObject({ denied: 1, 'not-allowed': 1 });
  });

  it('G1 refuses a flow claiming a pinned peer with another key', () => {
    const table = tableFrom(CONFIG);
    expect(table.admit(candidate({ peerIdentity: ['c.example.org'], spkiSha256: 'r'.repeat(43) + '=' }))).toMatch(
      /pinned/,
    );
    expect(table.admit(candidate({ peerIdentity: ['c.example.org'], spkiSha256: undefined }))).toMatch(/pinned/);
    expect(table.stats.refused.untrusted).toBe(2);
  });

  it('F2 refuses an outbound connection whose certificate does not cover the domain reached', () => {
    const table = tableFrom(CONFIG);
    expect(
      table.admit(candidate({ direction: 'outbound', servername: 'b.example.net', peerIdentity: ['c.example.org'] })),
    ).toMatch(/not b\.example\.net/);
  });
});

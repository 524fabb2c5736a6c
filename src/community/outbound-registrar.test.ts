import { beforeEach, describe, expect, it } from 'vitest';
import { communityRequest } from '../../test/support/community-requests.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { configSchema } from '../config/config-schema.js';
import { EdgeMetrics } from '../observability/edge-metrics.js';
import { silentLogger } from '../observability/logger.js';
import { MemoryStore } from '../state/memory-store.js';
import type { Flow } from '../transport/flow.js';
import type { CommunityAnswer, LocalAnswer } from './community-answer.js';
import { createCommunity, type Community } from './create-community.js';
import { expectedResponse, ha1 } from './digest-algorithm.js';

const REALM = 'a.example.com';
const INSTANCE = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
let now: number;
let clock: FakeClock;
let store: MemoryStore;
let metrics: EdgeMetrics;
/** The flows the transport layer would know, by id. */
let flows: Map<string, Flow>;

async function communityWith(outbound: boolean, addUser = true): Promise<Community> {
  const config = configSchema.parse({ domains: [REALM] });
  const community = await createCommunity({
    config,
    store,
    now: () => now,
    ...(outbound
      ? {
          outbound: {
            flows: { findFlow: (id) => flows.get(id) },
            clock,
            flowTimerSeconds: 90,
            metrics: metrics.outbound,
            log: silentLogger(),
          },
        }
      : {}),
  });
  if (addUser) await community.directory.add({ address: 'alice@a.example.com', password: 'wonderland', realm: REALM });
  return community;
}

let community: Community;

beforeEach(async () => {
  now = 1_700_000_000_000;
  clock = new FakeClock();
  store = new MemoryStore({ now: () => now });
  metrics = new EdgeMetrics();
  flows = new Map();
  community = await communityWith(true);
});

/** A client's TCP connection from behind a NAT: the source is the NAT's address and an ephemeral port. */
function clientFlow(port: number): RecordingFlow {
  const flow = new RecordingFlow({ protocol: 'tcp', side: 'internal', remote: { address: '203.0.113.9', port } });
  flows.set(flow.id, flow);
  return flow;
}

function outboundContact(regId: number, host = '192.0.2.1:9'): string {
  return `Contact: <sip:alice@${host};transport=tcp;ob>;reg-id=${regId};+sip.instance=${INSTANCE}`;
}

/** REGISTER, answer the digest challenge, REGISTER again on the same flow: the second answer. */
async function register(headers: string[], flow: Flow, cseq = 1): Promise<LocalAnswer> {
  const request = (extra: string[], seq: number) =>
    communityRequest({ method: 'REGISTER', uri: 'sip:a.example.com', cseq: seq, headers: [...headers, ...extra] });
  const challenge = await community.registrar.register(request([], cseq), 'internal', flow);
  if (challenge.status !== 401) return challenge;
  const nonce = /nonce="([^"]+)"/.exec(challenge.headers![0]![1])![1]!;
  const response = expectedResponse({
    algorithm: 'MD5',
    ha1: ha1('MD5', 'alice', REALM, 'wonderland'),
    method: 'REGISTER',
    uri: 'sip:a.example.com',
    nonce,
  });
  const authorization = `Authorization: Digest username="alice", realm="${REALM}", nonce="${nonce}", uri="sip:a.example.com", response="${response}", algorithm=MD5`;
  return community.registrar.register(request([authorization], cseq + 1), 'internal', flow);
}

function header(answer: LocalAnswer, name: string): string[] {
  return (answer.headers ?? []).filter(([n]) => n === name).map(([, value]) => value);
}

async function locate(): Promise<CommunityAnswer> {
  return community.registrar.locate(communityRequest({ method: 'MESSAGE', uri: 'sip:alice@a.example.com' }));
}

async function counted(event: string): Promise<number> {
  const metric = await metrics.outbound.bindings.get();
  return metric.values.find((v) => v.labels.event === event)?.value ?? 0;
}

describe('I6 RFC 5626 outbound on the built-in registrar', () => {
  it('I6 records the flow a REGISTER with reg-id and +sip.instance arrived on, and answers with Require: outbound and Flow-Timer (§4.4.1, §6)', async () => {
    const flow = clientFlow(40_001);
    const ok = await register([outboundContact(1), 'Supported: path, outbound'], flow);
    expect(ok.status).toBe(200);
    expect(header(ok, 'Require')).toEqual(['outbound']);
    expect(header(ok, 'Flow-Timer')).toEqual(['90']);
    expect(header(ok, 'Contact')).toEqual([
      `<sip:alice@192.0.2.1:9;transport=tcp;ob>;expires=3600;reg-id=1;+sip.instance=${INSTANCE}`,
    ]);
    const found = await locate();
    expect(found).toMatchObject({
      kind: 'forward',
      contacts: ['sip:alice@192.0.2.1:9;transport=tcp;ob'],
      flows: [{ id: flow.id, protocol: 'tcp', address: '203.0.113.9', port: 40_001 }],
    });
    // The binding holds its flow open against the idle timeout until it expires.
    expect(flow.refs).toBe(1);
    clock.advance(3600 * 1000);
    expect(flow.refs).toBe(0);
  });

  it('I6 ignores reg-id without Supported: outbound, and without +sip.instance: a plain binding (§6)', async () => {
    const ok = await register([outboundContact(1)], clientFlow(40_002));
    expect(header(ok, 'Require')).toEqual([]);
    const noInstance = await register(
      ['Contact: <sip:alice@192.0.2.1:10>;reg-id=2', 'Supported: outbound'],
      clientFlow(40_003),
      5,
    );
    expect(header(noInstance, 'Require')).toEqual([]);
    const found = await locate();
    expect(found).toMatchObject({ kind: 'forward' });
    expect(found.kind === 'forward' ? found.flows : 'none').toBeUndefined();
  });

  it('I6 keeps several reg-ids of one instance side by side (§4.2)', async () => {
    const first = clientFlow(40_010);
    const second = clientFlow(40_011);
    await register([outboundContact(1, '192.0.2.1:9'), 'Supported: outbound'], first);
    await register([outboundContact(2, '192.0.2.1:10'), 'Supported: outbound'], second, 5);
    const found = await locate();
    expect(
      found.kind === 'forward' && found.flows?.map((f) => (f !== undefined && 'id' in f ? f.id : undefined)).sort(),
    ).toEqual([first.id, second.id].sort());
  });

  it('I6 replaces the flow of the same instance and reg-id on a reconnect, whatever the Contact (§6)', async () => {
    const before = clientFlow(40_020);
    await register([outboundContact(1, '192.0.2.1:9'), 'Supported: outbound'], before);
    before.close('remote-closed');
    const after = clientFlow(40_021);
    const ok = await register([outboundContact(1, '192.0.2.1:11'), 'Supported: outbound'], after, 5);
    expect(header(ok, 'Contact')).toHaveLength(1);
    const found = await locate();
    expect(found).toMatchObject({ kind: 'forward', flows: [{ id: after.id, port: 40_021 }] });
    expect(before.refs).toBe(0);
    expect(after.refs).toBe(1);
    expect(await counted('replaced')).toBe(1);
  });

  it('I6 drops a binding whose flow closed and still uses the others; with none left it answers 430 Flow Failed (§5.3, §11.6)', async () => {
    const closing = clientFlow(40_030);
    const staying = clientFlow(40_031);
    await register([outboundContact(1, '192.0.2.1:9'), 'Supported: outbound'], closing);
    await register([outboundContact(2, '192.0.2.1:10'), 'Supported: outbound'], staying, 5);
    closing.close('remote-closed');
    expect(await locate()).toMatchObject({ kind: 'forward', flows: [{ id: staying.id }] });
    expect(await counted('flow-closed')).toBe(1);
    staying.close('remote-closed');
    expect(await locate()).toMatchObject({ kind: 'answer', status: 430, because: 'I6 flow failed' });
    // Both are gone from the store: the next lookup finds a user with no binding.
    expect(await locate()).toMatchObject({ kind: 'answer', status: 480 });
  });

  it('I6 does not use a binding another edge process made (or this edge before a restart): 430, kept until it expires', async () => {
    await register([outboundContact(1), 'Supported: outbound'], clientFlow(40_040));
    const restarted = await communityWith(true, false); // same store, a new process's flows
    const found = await restarted.registrar.locate(
      communityRequest({ method: 'MESSAGE', uri: 'sip:alice@a.example.com' }),
    );
    expect(found).toMatchObject({ kind: 'answer', status: 430 });
    expect(await locate()).toMatchObject({ kind: 'forward' }); // the first process still has its flow
  });

  it('I6 refuses more than one reg-id in a REGISTER (400) and a REGISTER that did not come first to this edge (439)', async () => {
    const two = await register(
      [outboundContact(1, '192.0.2.1:9'), outboundContact(2, '192.0.2.1:10'), 'Supported: outbound'],
      clientFlow(40_050),
    );
    expect(two.status).toBe(400);
    const relayed = await register(
      [outboundContact(1), 'Supported: outbound', 'Via: SIP/2.0/TCP 198.51.100.3;branch=z9hG4bK-x'],
      clientFlow(40_051),
      5,
    );
    expect(relayed).toMatchObject({ status: 439, because: 'RFC 5626 §6 first hop lacks outbound support' });
  });

  it('I6 removes the binding of an instance and reg-id with expires=0 and lets its flow go', async () => {
    const flow = clientFlow(40_060);
    await register([outboundContact(1), 'Supported: outbound'], flow);
    const gone = await register([`${outboundContact(1)};expires=0`, 'Supported: outbound'], flow, 5);
    expect(header(gone, 'Contact')).toEqual([]);
    expect(flow.refs).toBe(0);
    expect(await locate()).toMatchObject({ kind: 'answer', status: 480 });
  });

  it('I6 without the edge transport (the users command) makes plain bindings', async () => {
    community = await communityWith(false, false);
    const ok = await register([outboundContact(1), 'Supported: outbound'], clientFlow(40_070));
    expect(ok.status).toBe(200);
    expect(header(ok, 'Require')).toEqual([]);
  });
});

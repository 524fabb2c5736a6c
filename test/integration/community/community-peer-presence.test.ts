// I1/I2/P1 across the border: a watcher in the peer community b.example.net subscribes
// over mutual TLS to a presentity of the edge's built-in presence server; its 200 and the NOTIFYs the
// edge originates (initial, after a PUBLISH from inside) reach the peer over TLS to its Contact.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Edge } from '../../../src/edge.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  LOCAL_DOMAIN,
  PEER_DOMAIN,
  startEdge,
  stopEdge,
} from '../../support/edge-harness.js';
import { sipMessage, type SipEndpoint } from '../subscriptions/sip-endpoint.js';
import { openEndpointLab, type EndpointLab } from '../subscriptions/endpoint-lab.js';

let lab: EndpointLab | undefined;
let edge: Edge;
let community: SipEndpoint;
let peer: SipEndpoint;
let toInternal: Socket;
let toExternal: Socket;
const ports = { internal: 0, external: 0, community: 0, peer: 0 };

beforeAll(async () => {
  lab = await openEndpointLab('peer-presence');
  ({ community, peer } = lab);
  Object.assign(ports, lab.ports);
  const { files, allocator } = lab;
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'tcp', port: ports.internal }],
    external: [{ transport: 'tls', port: ports.external }],
    peer: [{ port: ports.peer, transport: 'tls' }],
    adminPort: allocator.take(),
    logLevel: 'warn',
  });
  edge = await startEdge({ yaml, tls: edgeTlsOptions(files) });
  await edge.community!.directory.add({ address: `alice@${LOCAL_DOMAIN}`, password: 'pw', realm: LOCAL_DOMAIN });
  ({ toInternal, toExternal } = await lab.connectToEdge());
});

afterAll(() =>
  lab?.close(async () => {
    if (edge !== undefined) await stopEdge(edge);
  }),
);

const PIDF = `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:alice@${LOCAL_DOMAIN}"><tuple id="t1"><status><basic>open</basic></status></tuple><rpid:activities><rpid:away/></rpid:activities></presence>`;

describe('I2 P1 an external watcher of the built-in presence server', () => {
  it('gets 200 over mutual TLS, then the initial NOTIFY and one carrying the state alice publishes from inside', async () => {
    const callId = 'peer-watch@b.example.net';
    const accepted = await peer.request(
      toExternal,
      sipMessage([
        `SUBSCRIBE sip:alice@${LOCAL_DOMAIN} SIP/2.0`,
        `Via: SIP/2.0/TLS 127.0.0.1:${ports.peer};branch=${peer.nextBranch()}`,
        'Max-Forwards: 70',
        `From: <sip:bob@${PEER_DOMAIN}>;tag=w1`,
        `To: <sip:alice@${LOCAL_DOMAIN}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 SUBSCRIBE',
        `Contact: <sip:bob@127.0.0.1:${ports.peer};transport=tls>`,
        'Event: presence',
        'Accept: application/pidf+xml',
        'Expires: 3600',
      ]),
    );
    expect(accepted.status, accepted.headers.get('warning')).toBe(200);
    expect(accepted.headers.get('contact')).toBe(`<sip:127.0.0.1:${ports.external};transport=tls>`);
    const [initial] = await peer.waitFor('NOTIFY', callId, 1);
    expect(initial!.headers.get('subscription-state')).toMatch(/^active/);
    const published = await community.request(
      toInternal,
      sipMessage(
        [
          `PUBLISH sip:alice@${LOCAL_DOMAIN} SIP/2.0`,
          `Via: SIP/2.0/TCP 127.0.0.1:${ports.community};branch=${community.nextBranch()}`,
          'Max-Forwards: 70',
          `From: <sip:alice@${LOCAL_DOMAIN}>;tag=p1`,
          `To: <sip:alice@${LOCAL_DOMAIN}>`,
          'Call-ID: publish-1@a.example.com',
          'CSeq: 1 PUBLISH',
          'Event: presence',
          'Expires: 3600',
          'Content-Type: application/pidf+xml',
        ],
        PIDF,
      ),
    );
    expect(published.status).toBe(200);
    const notifies = await peer.waitFor('NOTIFY', callId, 2);
    expect(notifies[1]!.body.toString()).toContain('<rpid:away/>');
    expect(notifies.map((n) => n.cseq.seq)).toEqual([1, 2]);
  });

  it('X3 Y2 tells the external watcher terminated;reason=noresource when alice is removed, and tombstones her address', async () => {
    const callId = 'peer-removal@b.example.net';
    const accepted = await peer.request(
      toExternal,
      sipMessage([
        `SUBSCRIBE sip:alice@${LOCAL_DOMAIN} SIP/2.0`,
        `Via: SIP/2.0/TLS 127.0.0.1:${ports.peer};branch=${peer.nextBranch()}`,
        'Max-Forwards: 70',
        `From: <sip:carol@${PEER_DOMAIN}>;tag=w2`,
        `To: <sip:alice@${LOCAL_DOMAIN}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 SUBSCRIBE',
        `Contact: <sip:carol@127.0.0.1:${ports.peer};transport=tls>`,
        'Event: presence',
        'Accept: application/pidf+xml',
        'Expires: 3600',
      ]),
    );
    expect(accepted.status).toBe(200);
    await peer.waitFor('NOTIFY', callId, 1);
    expect(await edge.community!.registrar.removeUser(`alice@${LOCAL_DOMAIN}`)).toBe(true);
    const notifies = await peer.waitFor('NOTIFY', callId, 2);
    expect(notifies[1]!.headers.get('subscription-state')).toBe('terminated;reason=noresource');
    const again = await peer.request(
      toExternal,
      sipMessage([
        `SUBSCRIBE sip:alice@${LOCAL_DOMAIN} SIP/2.0`,
        `Via: SIP/2.0/TLS 127.0.0.1:${ports.peer};branch=${peer.nextBranch()}`,
        'Max-Forwards: 70',
        `From: <sip:carol@${PEER_DOMAIN}>;tag=w3`,
        `To: <sip:alice@${LOCAL_DOMAIN}>`,
        'Call-ID: after-removal@b.example.net',
        'CSeq: 1 SUBSCRIBE',
        `Contact: <sip:carol@127.0.0.1:${ports.peer};transport=tls>`,
        'Event: presence',
        'Expires: 3600',
      ]),
    );
    // Y2: the border answers a tombstoned address 404, as if it never existed.
    expect(again.status).toBe(404);
  });
});

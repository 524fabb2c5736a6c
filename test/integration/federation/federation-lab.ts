// Two communities on loopback for the federation tests: a.example.com and b.example.net, each with
// its own CA (each edge trusts only the other's), an edge each, and a SIP endpoint each on the
// internal side standing in for the community's users, registrar and presence server.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Edge } from '../../../src/edge.js';
import type { IncomingRequest, IncomingResponse } from '../../../src/sip/incoming-message.js';
import type { TlsOptions } from '../../../src/transport/transport-options.js';
import { LOOPBACK, PortAllocator, startEdge } from '../../support/edge-harness.js';
import { testCertificates, type TestCertificates } from '../../support/test-certificates.js';
import { sipMessage, type SipEndpoint } from '../subscriptions/sip-endpoint.js';

export const A = 'a.example.com';
export const B = 'b.example.net';
/** A domain neither community federates with; B's CA issues a certificate for it (the impostor). */
export const IMPOSTOR = 'c.example.org';

export interface CommunityTls {
  readonly domain: string;
  readonly pki: TestCertificates;
}

/** The users every federation test sends as: alice of A and bob of B. */
export const alice = { user: 'alice', domain: A } as const;
export const bob = { user: 'bob', domain: B } as const;

/** What each federation test file starts from: a port range of its own and both communities' PKI. */
export function federationFixture(): { ports: PortAllocator; tlsA: CommunityTls; tlsB: CommunityTls } {
  return { ports: new PortAllocator(), tlsA: communityTls(A), tlsB: communityTls(B) };
}

/** Each community's CA issues its edge's certificate; B's CA also issues one for the impostor. */
export function communityTls(domain: string): CommunityTls {
  return {
    domain,
    pki: testCertificates({ serverDomains: [domain], clientDomains: [IMPOSTOR], authority: `community ${domain} CA` }),
  };
}

/** The edge presents its own certificate and trusts only the peer community's CA. */
export function edgeTls(own: CommunityTls, peer: CommunityTls): TlsOptions {
  return {
    cert: own.pki.server.cert,
    key: own.pki.server.key,
    ca: peer.pki.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  };
}

export interface CommunityPorts {
  readonly internal: number;
  readonly external: number;
  readonly admin: number;
  /** The community's SIP endpoint (users, registrar and presence server in one). */
  readonly endpoint: number;
}

export function communityPorts(ports: PortAllocator): CommunityPorts {
  const first = ports.take(4);
  return { internal: first, external: first + 1, admin: first + 2, endpoint: first + 3 };
}

export interface CommunityConfig {
  readonly domain: string;
  readonly ports: CommunityPorts;
  readonly peer: { readonly domain: string; readonly externalPorts: readonly number[] };
  /** Extra keys of `limits`, e.g. { idleTimeoutMs: 1000 }. */
  readonly limits?: Readonly<Record<string, number>>;
  /** Further top-level YAML (agreements:, more routes …). */
  readonly extra?: readonly string[];
  /** Extra routes entries, as YAML flow mappings. */
  readonly routes?: readonly string[];
  readonly tlsFiles?: { readonly cert: string; readonly key: string; readonly ca: string };
}

export function communityYaml(c: CommunityConfig): string {
  const endpoint = `[{ host: ${LOOPBACK}, port: ${c.ports.endpoint}, transport: tcp }]`;
  const peerTargets = c.peer.externalPorts
    .map((port) => `{ host: ${LOOPBACK}, port: ${port}, transport: tls }`)
    .join(', ');
  const limits = Object.entries(c.limits ?? {})
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return [
    `domains: [${c.domain}]`,
    'listen:',
    `  internal: [{ transport: tcp, address: ${LOOPBACK}, port: ${c.ports.internal} }]`,
    `  external: [{ transport: tls, address: ${LOOPBACK}, port: ${c.ports.external} }]`,
    ...(c.tlsFiles === undefined
      ? []
      : [
          `tls: { certificates: [{ domain: ${c.domain}, cert: ${c.tlsFiles.cert}, key: ${c.tlsFiles.key} }], ca: ${c.tlsFiles.ca} }`,
        ]),
    `internal: { registrar: ${endpoint}, presence: ${endpoint} }`,
    'routes:',
    `  - { domain: ${c.peer.domain}, targets: [${peerTargets}] }`,
    ...(c.routes ?? []).map((r) => `  - ${r}`),
    `limits: { ${limits} }`,
    'policy: { mode: off }', // these tests are about connections; the border rules have their own
    'state: { backend: memory }',
    `admin: { listen: "${LOOPBACK}:${c.ports.admin}" }`,
    'log: { level: warn }',
    ...(c.extra ?? []),
    '',
  ].join('\n');
}

export function startCommunityEdge(config: CommunityConfig, tls: TlsOptions): Promise<Edge> {
  return startEdge({ yaml: communityYaml(config), tls });
}

/** Writes a community's TLS material to files, for an edge run as a separate process. */
export function writeTlsFiles(
  own: CommunityTls,
  peer: CommunityTls,
): { dir: string; cert: string; key: string; ca: string } {
  const dir = mkdtempSync(path.join(tmpdir(), `simple-edge-${own.domain}-`));
  const files = {
    dir,
    cert: path.join(dir, 'edge.pem'),
    key: path.join(dir, 'edge.key'),
    ca: path.join(dir, 'peer-ca.pem'),
  };
  writeFileSync(files.cert, own.pki.server.cert);
  writeFileSync(files.key, own.pki.server.key, { mode: 0o600 });
  writeFileSync(files.ca, peer.pki.ca);
  return files;
}

/** The open TLS flows of an edge (the connections between the two communities). */
export function tlsFlowIds(edge: Edge): string[] {
  return [...edge.transport.flows].filter((f) => f.protocol === 'tls').map((f) => f.id);
}

// ---------------------------------------------------------------------------------------------
// Requests a community's user agents send

export interface Party {
  readonly user: string;
  readonly domain: string;
}

let serial = 0;

export function newCallId(label: string): string {
  return `${label}-${++serial}-${process.pid}`;
}

export function messageRequest(endpoint: SipEndpoint, from: Party, to: Party, callId: string): string {
  return sipMessage(
    [
      `MESSAGE sip:${to.user}@${to.domain} SIP/2.0`,
      `Via: SIP/2.0/TCP ${LOOPBACK}:5060;branch=${endpoint.nextBranch()}`,
      'Max-Forwards: 70',
      `From: <sip:${from.user}@${from.domain}>;tag=${callId}`,
      `To: <sip:${to.user}@${to.domain}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 MESSAGE',
      'Content-Type: text/plain',
    ],
    `hello ${to.user}`,
  );
}

export function subscribeRequest(
  endpoint: SipEndpoint,
  from: Party,
  to: Party,
  callId: string,
  contactPort: number,
): string {
  return sipMessage([
    `SUBSCRIBE sip:${to.user}@${to.domain} SIP/2.0`,
    `Via: SIP/2.0/TCP ${LOOPBACK}:5060;branch=${endpoint.nextBranch()}`,
    'Max-Forwards: 70',
    `From: <sip:${from.user}@${from.domain}>;tag=${callId}`,
    `To: <sip:${to.user}@${to.domain}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 SUBSCRIBE',
    `Contact: <sip:${from.user}@${LOOPBACK}:${contactPort};transport=tcp>`,
    'Event: presence',
    'Accept: application/pidf+xml',
    'Expires: 600',
  ]);
}

/**
 * The notifier's NOTIFY in the dialog a SUBSCRIBE created (RFC 6665 §4.2.2): to the subscriber's
 * Contact, along the Record-Route set, From and To swapped with the tags of the 200.
 */
export function notifyRequest(
  endpoint: SipEndpoint,
  subscribe: IncomingRequest,
  ok: IncomingResponse,
  contactPort: number,
): string {
  const h = subscribe.headers;
  const contact = /<([^>]+)>/.exec(h.get('contact') ?? '')?.[1];
  if (contact === undefined) throw new Error('the SUBSCRIBE has no Contact');
  return sipMessage([
    `NOTIFY ${contact} SIP/2.0`,
    `Via: SIP/2.0/TCP ${LOOPBACK}:5060;branch=${endpoint.nextBranch()}`,
    'Max-Forwards: 70',
    `Route: ${h.getAll('record-route').join(', ')}`,
    `From: ${ok.headers.get('to')}`,
    `To: ${h.get('from')}`,
    `Call-ID: ${subscribe.callId}`,
    'CSeq: 1 NOTIFY',
    `Contact: <sip:notifier@${LOOPBACK}:${contactPort};transport=tcp>`,
    'Event: presence',
    'Subscription-State: active;expires=600',
  ]);
}

/** Resolves once `condition` holds; throws after `timeoutMs` (a bound on waiting, not an assertion on time). */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Shared parts of the end-to-end federation runs: a user agent over UDP that registers
// with digest (RFC 3261 §22.4), sends MESSAGE, SUBSCRIBE and PUBLISH, and answers what reaches its
// Contact; the two communities' edge configurations; bind9 serving both domains and the ENUM zone.

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { digestHash, ha1 } from '../../../src/community/digest-algorithm.js';
import type { Edge } from '../../../src/edge.js';
import { parseDatagram } from '../../../src/sip/datagram-parser.js';
import type { IncomingRequest, IncomingResponse } from '../../../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../../../src/sip/parser-limits.js';
import { startBind9, type Bind9 } from '../../support/bind9.js';
import { LOOPBACK } from '../../support/edge-harness.js';
import { sipMessage } from '../subscriptions/sip-endpoint.js';
import { eventually } from './federation-lab.js';

export const PASSWORD = 'wonderland';

/** A user's presence document (RFC 3863), with a note that tells one published state from another. */
export function pidf(entity: string, basic: 'open' | 'closed', note: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:${entity}">` +
    `<tuple id="t1"><status><basic>${basic}</basic></status><note>${note}</note></tuple></presence>`
  );
}

export interface Sent {
  readonly callId: string;
  readonly response: IncomingResponse;
}

/**
 * One user's SIP user agent on a UDP port: it talks to its community's edge, answers every request
 * to its Contact with 200 (a To tag added), and keeps what it received.
 */
export class UdpUserAgent {
  readonly received: IncomingRequest[] = [];
  readonly #socket: UdpSocket;
  readonly #pending = new Map<string, (response: IncomingResponse) => void>();
  #serial = 0;

  private constructor(
    readonly user: string,
    readonly domain: string,
    readonly port: number,
    readonly edgePort: number,
    socket: UdpSocket,
  ) {
    this.#socket = socket;
    socket.on('message', (datagram, from) => this.#receive(datagram, from.port));
  }

  static async start(options: { user: string; domain: string; port: number; edgePort: number }): Promise<UdpUserAgent> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      socket.once('error', reject).bind(options.port, LOOPBACK, () => resolve()),
    );
    return new UdpUserAgent(options.user, options.domain, options.port, options.edgePort, socket);
  }

  get aor(): string {
    return `${this.user}@${this.domain}`;
  }

  get contact(): string {
    return `sip:${this.user}@${LOOPBACK}:${this.port}`;
  }

  /** REGISTER, answer the digest challenge with the password, and return every final status in order. */
  async register(expires = 600): Promise<number[]> {
    const callId = this.#callId('reg');
    const lines = (cseq: number): string[] => [
      `REGISTER sip:${this.domain} SIP/2.0`,
      ...this.#dialogHeaders(`sip:${this.aor}`, callId, cseq, 'REGISTER'),
      `Contact: <${this.contact}>`,
      `Expires: ${expires}`,
    ];
    const first = await this.request(lines(1));
    if (first.status !== 401) return [first.status];
    const authorization = digestAuthorization(
      first.headers.get('www-authenticate') ?? '',
      this.user,
      PASSWORD,
      `sip:${this.domain}`,
    );
    const second = await this.request([...lines(2), `Authorization: ${authorization}`]);
    return [first.status, second.status];
  }

  /** A page-mode MESSAGE (RFC 3428) to `target` (a SIP, tel: … URI); From this user, or `fromUser` (of `fromDomain`). */
  async message(
    target: string,
    options: { fromUser?: string; fromDomain?: string; extra?: readonly string[] } = {},
  ): Promise<Sent> {
    const callId = this.#callId('msg');
    const to = /^[a-z]+:/.test(target) ? target : `sip:${target}`;
    const response = await this.request(
      [
        `MESSAGE ${to} SIP/2.0`,
        ...this.#dialogHeaders(to, callId, 1, 'MESSAGE', options.fromUser, options.fromDomain),
        ...(options.extra ?? []),
        'Content-Type: text/plain',
      ],
      `hello from ${options.fromUser ?? this.user}`,
    );
    return { callId, response };
  }

  /** SUBSCRIBE to a presentity's presence (RFC 3856) with this Expires. */
  async subscribe(presentity: string, expires: number): Promise<Sent> {
    const callId = this.#callId('sub');
    const response = await this.request([
      `SUBSCRIBE sip:${presentity} SIP/2.0`,
      ...this.#dialogHeaders(`sip:${presentity}`, callId, 1, 'SUBSCRIBE'),
      `Contact: <${this.contact}>`,
      'Event: presence',
      'Accept: application/pidf+xml',
      `Expires: ${expires}`,
    ]);
    return { callId, response };
  }

  /** PUBLISH this user's own presence (RFC 3903); with `ifMatch` (a SIP-ETag) it modifies that publication. */
  async publish(basic: 'open' | 'closed', note: string, ifMatch?: string): Promise<Sent> {
    const callId = this.#callId('pub');
    const response = await this.request(
      [
        `PUBLISH sip:${this.aor} SIP/2.0`,
        ...this.#dialogHeaders(`sip:${this.aor}`, callId, 1, 'PUBLISH'),
        'Event: presence',
        'Expires: 600',
        ...(ifMatch === undefined ? [] : [`SIP-If-Match: ${ifMatch}`]),
        'Content-Type: application/pidf+xml',
      ],
      pidf(this.aor, basic, note),
    );
    return { callId, response };
  }

  /** Sends a request (Via written here) to the edge and resolves with its final response. */
  request(lines: readonly string[], body = '', timeoutMs = 8_000): Promise<IncomingResponse> {
    const branch = `z9hG4bK-${this.user}-${this.port}-${++this.#serial}`;
    const [start, ...rest] = lines;
    const text = sipMessage(
      [start!, `Via: SIP/2.0/UDP ${LOOPBACK}:${this.port};rport;branch=${branch}`, ...rest],
      body,
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.aor}: no final response to ${start}`)), timeoutMs);
      this.#pending.set(branch, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.#socket.send(text, this.edgePort, LOOPBACK);
    });
  }

  /** Requests of this method received so far, in the dialog or transaction of this Call-ID when given. */
  requests(method: string, callId?: string): IncomingRequest[] {
    return this.received.filter((r) => r.method === method && (callId === undefined || r.callId === callId));
  }

  /** Resolves once `count` such requests arrived (a bound on waiting, not a timed assertion). */
  async waitFor(
    method: string,
    callId: string | undefined,
    count: number,
    timeoutMs = 10_000,
  ): Promise<IncomingRequest[]> {
    await eventually(
      () => this.requests(method, callId).length >= count,
      `${count} ${method} at ${this.aor}`,
      timeoutMs,
    );
    return this.requests(method, callId);
  }

  /** The <note>s of every NOTIFY received in one subscription, in order. */
  notes(callId: string): string[] {
    return this.requests('NOTIFY', callId).flatMap((n) =>
      [...n.body.toString().matchAll(/<note>([^<]*)<\/note>/g)].map((m) => m[1]!),
    );
  }

  /** The Subscription-State of every NOTIFY received in one subscription. */
  subscriptionStates(callId: string): string[] {
    return this.requests('NOTIFY', callId).map((n) => n.headers.get('subscription-state') ?? '');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  #callId(label: string): string {
    return `${label}-${this.user}-${randomBytes(6).toString('hex')}`;
  }

  #dialogHeaders(
    toUri: string,
    callId: string,
    cseq: number,
    method: string,
    fromUser = this.user,
    fromDomain = this.domain,
  ): string[] {
    return [
      'Max-Forwards: 70',
      `From: <sip:${fromUser}@${fromDomain}>;tag=${callId.slice(-8)}`,
      `To: <${toUri}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
    ];
  }

  #receive(datagram: Buffer, fromPort: number): void {
    const frame = parseDatagram(datagram, DEFAULT_PARSER_LIMITS);
    if (frame.kind !== 'message') return;
    const message = frame.message;
    if (message.kind === 'response') {
      if (message.status < 200) return;
      const branch = message.topVia.branch ?? '';
      this.#pending.get(branch)?.(message);
      this.#pending.delete(branch);
      return;
    }
    this.received.push(message);
    if (message.method === 'ACK') return;
    const h = message.headers;
    const to = h.get('to') ?? '';
    this.#socket.send(
      sipMessage([
        'SIP/2.0 200 OK',
        ...h.getAll('via').map((v) => `Via: ${v}`),
        ...h.getAll('record-route').map((v) => `Record-Route: ${v}`),
        `From: ${h.get('from')}`,
        `To: ${message.to.tag === undefined ? `${to};tag=ua${++this.#serial}` : to}`,
        `Call-ID: ${message.callId}`,
        `CSeq: ${h.get('cseq')}`,
        `Contact: <${this.contact}>`,
      ]),
      fromPort,
      LOOPBACK,
    );
  }
}

/** The Authorization for an MD5 challenge (RFC 3261 §22.4), with qop=auth when the server offers it. */
function digestAuthorization(challenge: string, username: string, password: string, uri: string): string {
  const param = (name: string): string | undefined => new RegExp(`${name}="?([^",]+)"?`, 'i').exec(challenge)?.[1];
  const realm = param('realm') ?? '';
  const nonce = param('nonce') ?? '';
  const qop = /qop="?[^"]*\bauth\b/i.test(challenge);
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const middle = qop ? `${nonce}:${nc}:${cnonce}:auth` : nonce;
  const response = digestHash(
    'MD5',
    `${ha1('MD5', username, realm, password)}:${middle}:${digestHash('MD5', `REGISTER:${uri}`)}`,
  );
  return (
    `Digest username="${username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5` +
    (qop ? `, qop=auth, nc=${nc}, cnonce="${cnonce}"` : '')
  );
}

/** An edge's decisions of one rule and verdict so far (simple_edge_policy_decisions_total). */
export async function policyDecisions(edge: Edge, rule: string, verdict: string): Promise<number> {
  const metric = await edge.metrics.registry.getSingleMetric('simple_edge_policy_decisions_total')?.get();
  return (
    metric?.values
      .filter((v) => v.labels.rule === rule && v.labels.verdict === verdict)
      .reduce((sum, v) => sum + v.value, 0) ?? 0
  );
}

/** Resolves once the edge has decided so at least `count` times (a bound on waiting, not a timed assertion). */
export async function decidedAtLeast(
  edge: Edge,
  rule: string,
  verdict: string,
  count: number,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await policyDecisions(edge, rule, verdict)) < count) {
    if (Date.now() > deadline) throw new Error(`${rule} did not decide ${verdict} ${count} times`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------------------------------------
// The two communities' edges and their DNS

export interface EdgePorts {
  readonly internal: number;
  readonly external: number;
  readonly admin: number;
}

export interface EdgeYamlOptions {
  readonly domain: string;
  readonly ports: EdgePorts;
  readonly peer: string;
  /** "127.0.0.1:port" of bind9. */
  readonly resolver: string;
  /** The community's registrar and presence server: the edge's own, or one on UDP at this port. */
  readonly internal: 'builtin' | number;
  /** A SQLite file for the edge's state (kept across a restart); default in memory. */
  readonly stateFile?: string;
  /** Further top-level YAML (policy:, policyDocument:, community: …). */
  readonly extra?: readonly string[];
}

/** An edge found by its peer through DNS only, with its users on UDP on the internal side. */
export function endToEndEdgeYaml(o: EdgeYamlOptions): string {
  const component =
    o.internal === 'builtin' ? 'builtin' : `[{ host: ${LOOPBACK}, port: ${o.internal}, transport: udp }]`;
  return [
    `domains: [${o.domain}]`,
    'listen:',
    `  internal: [{ transport: udp, address: ${LOOPBACK}, port: ${o.ports.internal} }]`,
    `  external: [{ transport: tls, address: ${LOOPBACK}, port: ${o.ports.external} }]`,
    `internal: { registrar: ${component}, presence: ${component} }`,
    `discovery: { resolvers: ["${o.resolver}"], allow: [${o.peer}], transports: [tls], timeoutMs: 1000 }`,
    o.stateFile === undefined ? 'state: { backend: memory }' : `state: { backend: sqlite, path: ${o.stateFile} }`,
    `admin: { listen: "${LOOPBACK}:${o.ports.admin}" }`,
    'log: { level: warn }',
    ...(o.extra ?? []),
    '',
  ].join('\n');
}

/** B's first SRV target: a listener that drops every connection (an edge that is down), counting the tries. */
export class DeadEdge {
  attempts = 0;
  readonly #server: Server;

  private constructor() {
    this.#server = createServer((socket) => {
      this.attempts++;
      socket.destroy();
    });
  }

  static async listen(port: number): Promise<DeadEdge> {
    const dead = new DeadEdge();
    await new Promise<void>((resolve, reject) => dead.#server.once('error', reject).listen(port, LOOPBACK, resolve));
    return dead;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * bind9 with test/fixtures/dns-federation: NAPTR and SRV for both domains (B's first SRV target is
 * `bDown`, a DeadEdge, so A fails over to B's second, D2) and the ENUM zone.
 */
export function startFederationDns(options: { aTls: number; bTls: number; bDown: number }): Promise<Bind9> {
  return startBind9({
    fixtureDir: 'test/fixtures/dns-federation',
    zones: ['a.example.com', 'b.example.net', 'e164.arpa'],
    substitutions: {
      A_TLS_PORT: String(options.aTls),
      B_TLS_PORT: String(options.bTls),
      B_DOWN_PORT: String(options.bDown),
    },
  });
}

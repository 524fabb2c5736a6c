// Integration-test harness for a real edge on loopback: free ports from a dedicated range, the
// development certificates in a temp directory, the configuration as YAML, the edge started
// in-process, and raw UDP/TCP/TLS clients for the messages no well-behaved peer would send.

import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ensureDevCertificates } from '../../src/cli/dev-certificates.js';
import { parseConfigText } from '../../src/config/load-config.js';
import { createEdge, type Edge } from '../../src/edge.js';
import type { Logger } from '../../src/observability/logger.js';
import type { TlsOptions } from '../../src/transport/transport-options.js';

export const LOOPBACK = '127.0.0.1';
export const LOCAL_DOMAIN = 'a.example.com';
export const PEER_DOMAIN = 'b.example.net';

// ---------------------------------------------------------------------------------------------
// Ports

/**
 * Ports for the peers and the edge, below Linux's ephemeral range (32768-60999) so a port handed out
 * here is never taken meanwhile by some connection's source port.
 */
export const TEST_PORT_RANGE = { first: 24_000, last: 29_999 } as const;

type Protocol = 'tcp' | 'udp';

/** Ports bound on any local address, read from /proc/net (no probe socket that could race a peer's bind). */
function boundPorts(protocol: Protocol, listeningOnly: boolean): Set<number> {
  const ports = new Set<number>();
  for (const file of [`/proc/net/${protocol}`, `/proc/net/${protocol}6`]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      if (local === undefined || state === undefined) continue;
      // TCP state 0A is LISTEN; for "in use" any state counts (TIME_WAIT blocks a bind too).
      if (listeningOnly && protocol === 'tcp' && state !== '0A') continue;
      ports.add(Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
    }
  }
  return ports;
}

/** Hands out blocks of consecutive ports that are free for both TCP and UDP, never the same twice. */
export class PortAllocator {
  readonly #range: { readonly first: number; readonly last: number };
  #next: number;

  constructor(range: { readonly first: number; readonly last: number } = TEST_PORT_RANGE) {
    this.#range = range;
    // A random start per allocator, so test files running side by side rarely even try the same ports.
    const blocks = Math.floor((range.last - range.first + 1) / 16);
    this.#next = range.first + Math.floor(Math.random() * blocks) * 16;
  }

  /** `count` consecutive free ports; returns the first. */
  take(count = 1): number {
    const span = this.#range.last - this.#range.first + 1;
    for (let tried = 0; tried < span; tried += count) {
      if (this.#next + count - 1 > this.#range.last) this.#next = this.#range.first;
      const first = this.#next;
      this.#next += count;
      const busy = new Set([...boundPorts('tcp', false), ...boundPorts('udp', false)]);
      if (!Array.from({ length: count }, (_, i) => first + i).some((port) => busy.has(port))) return first;
    }
    throw new Error(`no ${count} consecutive free ports in ${this.#range.first}-${this.#range.last}`);
  }
}

/** Resolves once something listens on the port (TCP LISTEN, or a bound UDP socket). */
export async function waitForPort(
  port: number,
  protocol: Protocol,
  options: { timeoutMs: number; what: string; exited?: Promise<unknown> },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exited = false;
  void options.exited?.then(() => (exited = true));
  while (!boundPorts(protocol, true).has(port)) {
    if (exited) throw new Error(`${options.what} exited before listening on ${protocol} ${port}`);
    if (Date.now() > deadline)
      throw new Error(`${options.what} did not listen on ${protocol} ${port} within ${options.timeoutMs} ms`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Certificates

export interface CertificateFiles {
  readonly ca: string;
  /** Certificate and key files per domain. */
  readonly byDomain: Readonly<Record<string, { readonly cert: string; readonly key: string }>>;
}

/** The development CA plus a certificate for a.example.com (the edge) and b.example.net (the peer). */
export function makeCertificates(dir: string): CertificateFiles {
  const dev = ensureDevCertificates(dir, [LOCAL_DOMAIN, PEER_DOMAIN]);
  return {
    ca: dev.caCert,
    byDomain: Object.fromEntries(dev.certificates.map((c) => [c.domain, { cert: c.cert, key: c.key }])),
  };
}

/** The edge presents a.example.com's certificate and trusts only the development CA. */
export function edgeTlsOptions(files: CertificateFiles): TlsOptions {
  const own = files.byDomain[LOCAL_DOMAIN]!;
  return {
    cert: readFileSync(own.cert),
    key: readFileSync(own.key),
    ca: readFileSync(files.ca),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  };
}

// ---------------------------------------------------------------------------------------------
// Configuration and the edge itself

export type Transport = 'udp' | 'tcp' | 'tls';

export interface TargetSpec {
  readonly port: number;
  readonly transport: Transport;
}

export interface EdgeLayout {
  readonly internal: ReadonlyArray<{ readonly transport: Transport; readonly port: number }>;
  readonly external: ReadonlyArray<{ readonly transport: Transport; readonly port: number }>;
  /** Where MESSAGE, INVITE, OPTIONS … for a.example.com go (I1). */
  readonly registrar?: readonly TargetSpec[];
  /** Where SUBSCRIBE with Event: presence for a.example.com goes (I1). */
  readonly presence?: readonly TargetSpec[];
  /** The peer community b.example.net's static next hops. */
  readonly peer?: readonly TargetSpec[];
  readonly adminPort: number;
  readonly logLevel?: string;
}

function targetsYaml(targets: readonly TargetSpec[]): string {
  return `[${targets.map((t) => `{ host: ${LOOPBACK}, port: ${t.port}, transport: ${t.transport} }`).join(', ')}]`;
}

function listenersYaml(listeners: EdgeLayout['internal']): string {
  return listeners.map((l) => `    - { transport: ${l.transport}, address: ${LOOPBACK}, port: ${l.port} }`).join('\n');
}

export function edgeConfigYaml(layout: EdgeLayout): string {
  return [
    `domains: [${LOCAL_DOMAIN}]`,
    'listen:',
    '  internal:',
    listenersYaml(layout.internal),
    '  external:',
    listenersYaml(layout.external),
    'internal:',
    `  registrar: ${layout.registrar === undefined ? 'builtin' : targetsYaml(layout.registrar)}`,
    `  presence: ${layout.presence === undefined ? 'builtin' : targetsYaml(layout.presence)}`,
    layout.peer === undefined
      ? 'routes: []'
      : `routes:\n  - domain: ${PEER_DOMAIN}\n    targets: ${targetsYaml(layout.peer)}`,
    // D1 closed federation: the peer community is provisioned even where no route to it is needed.
    `discovery: { allow: [${PEER_DOMAIN}] }`,
    'state: { backend: memory }',
    `admin: { listen: "${LOOPBACK}:${layout.adminPort}" }`,
    `log: { level: ${layout.logLevel ?? 'info'} }`,
    '',
  ].join('\n');
}

/** Builds the edge from YAML exactly as `simple-edge start` would validate it, and starts it listening. */
export async function startEdge(options: { yaml: string; tls: TlsOptions; logger?: Logger }): Promise<Edge> {
  const parsed = parseConfigText(options.yaml, 'test');
  if (!parsed.ok) throw new Error(`test configuration invalid: ${JSON.stringify(parsed.problems)}\n${options.yaml}`);
  const edge = createEdge({
    config: parsed.config,
    tls: options.tls,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  await edge.listen();
  return edge;
}

/** Stops an edge within a bound, even if its graceful stop hangs. */
export async function stopEdge(edge: Edge, timeoutMs = 5_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    edge.stop(1_000),
    new Promise<void>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error(`edge.stop() took more than ${timeoutMs} ms`)), timeoutMs)),
    ),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Raw SIP clients

export interface SipRequestOptions {
  readonly method?: string;
  readonly requestUri: string;
  readonly transport: 'UDP' | 'TCP' | 'TLS';
  readonly localPort: number;
  readonly callId: string;
  /** Replaces the start line (for a bad SIP version or a broken Request-URI). */
  readonly startLine?: string;
  /** Replaces the To header line. */
  readonly to?: string;
  /** The From domain; a TLS request comes from the peer community (F7), others from ours. */
  readonly fromDomain?: string;
}

/** A request as text with CRLF line ends; `options` lets a test break one part of it. */
export function sipRequest(options: SipRequestOptions): string {
  const method = options.method ?? 'OPTIONS';
  return [
    options.startLine ?? `${method} ${options.requestUri} SIP/2.0`,
    `Via: SIP/2.0/${options.transport} ${LOOPBACK}:${options.localPort};branch=z9hG4bK-${options.callId}`,
    'Max-Forwards: 70',
    `From: <sip:probe@${options.fromDomain ?? (options.transport === 'TLS' ? PEER_DOMAIN : LOCAL_DOMAIN)}>;tag=${options.callId}`,
    options.to ?? `To: <${options.requestUri}>`,
    `Call-ID: ${options.callId}`,
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The status code of a response's status line, or undefined for anything else. */
export function statusOf(response: string | undefined): number | undefined {
  const match = /^SIP\/2\.0 (\d{3}) /.exec(response ?? '');
  return match === null ? undefined : Number(match[1]);
}

/** The first complete message in a byte stream (Content-Length framing), or undefined. */
function firstMessage(text: string): string | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const length = /\r\n(?:Content-Length|l)[ \t]*:[ \t]*(\d+)/i.exec(text.slice(0, end + 2));
  const total = end + 4 + (length === null ? 0 : Number(length[1]));
  return text.length >= total ? text.slice(0, total) : undefined;
}

/**
 * Sends one datagram from `localPort` and resolves with the first datagram back, skipping
 * provisional responses (undefined when none arrives in time).
 */
export async function udpExchange(options: {
  port: number;
  localPort: number;
  bytes: string | Buffer;
  timeoutMs?: number;
}): Promise<string | undefined> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.localPort, LOOPBACK, () => resolve());
    });
    return await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), options.timeoutMs ?? 3_000);
      socket.on('message', (datagram) => {
        const text = datagram.toString('latin1');
        if (/^SIP\/2\.0 1\d\d /.test(text)) return;
        clearTimeout(timer);
        resolve(text);
      });
      socket.send(options.bytes, options.port, LOOPBACK);
    });
  } finally {
    socket.close();
  }
}

/**
 * A raw TCP or TLS client: writes whatever a test gives it and reads the edge's responses, so a test
 * can send what no real peer would and see whether the connection survives.
 */
export class RawStreamClient {
  readonly #socket: Socket;
  readonly #closed: Promise<void>;
  #received = '';
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#received += chunk.toString('latin1');
      this.#wake?.();
    });
    socket.on('error', () => undefined); // a reset shows as the close below
    this.#closed = new Promise((resolve) =>
      socket.once('close', () => {
        resolve();
        this.#wake?.();
      }),
    );
  }

  /** Connects (TLS: presenting `tls.cert` and verifying the edge against `tls.ca`). */
  static connect(options: { port: number; tls?: { cert: Buffer; key: Buffer; ca: Buffer } }): Promise<RawStreamClient> {
    const socket =
      options.tls === undefined
        ? connectTcp({ host: LOOPBACK, port: options.port })
        : connectTls({
            host: LOOPBACK,
            port: options.port,
            ...options.tls,
            minVersion: 'TLSv1.2',
            checkServerIdentity: () => undefined,
          });
    return new Promise((resolve, reject) => {
      socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => {
        socket.off('error', reject);
        resolve(new RawStreamClient(socket));
      });
      socket.once('error', reject);
    });
  }

  write(bytes: string | Buffer): void {
    this.#socket.write(bytes);
  }

  /** The next final response on the stream (provisionals skipped), or undefined after `timeoutMs` or a close. */
  async nextFinalResponse(timeoutMs = 3_000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = firstMessage(this.#received);
      if (message !== undefined) {
        this.#received = this.#received.slice(message.length);
        if (/^SIP\/2\.0 1\d\d /.test(message)) continue;
        return message;
      }
      if (this.isClosed || Date.now() >= deadline) return undefined;
      await this.#nextEvent(deadline - Date.now());
    }
  }

  /** True once the edge closed the connection within `timeoutMs`. */
  async closedByEdge(timeoutMs = 3_000): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = await Promise.race([
      this.#closed.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return closed;
  }

  get isClosed(): boolean {
    return this.#socket.destroyed || this.#socket.closed;
  }

  close(): void {
    this.#socket.destroy();
  }

  #nextEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

// The far side of the border, played by the load tester: a TCP listener standing in for the
// community's registrar and presence server, and a mutual-TLS listener standing in for the peer's
// edge. Every request that reaches it crossed the edge under test: it is counted for its scenario
// (and dialog) and answered as the scenario says, so the sender sees the end-to-end latency.

import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { newTag } from '../sip/identifiers.js';
import { FAR_SIDE_HEADER, scenarioOfCallId, type FarAnswer, type FarNote, type LoadScenario } from './load-scenario.js';
import type { HostPort } from './scenario-schema.js';
import { SipConnection } from './sip-connection.js';

export interface PeerIdentity {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
}

export interface FarSideOptions {
  readonly scenarios: readonly LoadScenario[];
  /** A request of scenario `index` (or of no scenario: undefined) reached the far side. */
  readonly crossed: (index: number | undefined, callId: string) => void;
  readonly noted: (index: number, note: FarNote) => void;
}

export class FarSideListener {
  readonly contact: string;
  readonly #server: Server;
  readonly #connections = new Set<SipConnection>();

  private constructor(server: Server, contact: string) {
    this.#server = server;
    this.contact = contact;
  }

  /** Listens on `at`: plain TCP, or TLS demanding a client certificate from `tls.ca`. */
  static async start(
    at: HostPort,
    options: FarSideOptions & { tls?: PeerIdentity; user: string },
  ): Promise<FarSideListener> {
    const transport = options.tls === undefined ? 'tcp' : 'tls';
    const host = at.host.includes(':') ? `[${at.host}]` : at.host;
    const onSocket = (socket: Socket): void => {
      const connection = new SipConnection(socket, (request, on) =>
        answerAsFarSide(request, on, options, listener.contact),
      );
      listener.#connections.add(connection);
      socket.once('close', () => listener.#connections.delete(connection));
    };
    const server =
      options.tls === undefined
        ? createTcpServer(onSocket)
        : createTlsServer(
            { ...options.tls, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
            onSocket,
          );
    const listener = new FarSideListener(server, `sip:${options.user}@${host}:${at.port};transport=${transport}`);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(at.port, at.host, resolve));
    return listener;
  }

  async close(): Promise<void> {
    for (const connection of this.#connections) connection.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Answers a request that crossed the edge as the far side would. Also used on the tool's own peer
 * connections: an edge may send requests for the peer over a connection the peer opened (F4,
 * RFC 5923), as a real peer edge would accept.
 */
export function answerAsFarSide(
  request: IncomingRequest,
  connection: SipConnection,
  options: FarSideOptions,
  contact: string,
): void {
  if (request.method === 'ACK') return;
  let callId: string;
  try {
    callId = request.callId;
  } catch {
    return; // not a request anyone could answer
  }
  const index = scenarioOfCallId(callId);
  const scenario = index === undefined ? undefined : options.scenarios[index];
  options.crossed(index, callId);
  const reply = scenario?.answer(request) ?? { status: 200 };
  connection.send(responseText(request, reply, contact));
  if (reply.note !== undefined && index !== undefined) options.noted(index, reply.note);
}

/** RFC 3261 §8.2.6: Vias, From, Call-ID and CSeq copied; a To tag added; a Contact on a 2xx to SUBSCRIBE. */
export function responseText(request: IncomingRequest, reply: FarAnswer, contact: string): string {
  const headers = request.headers;
  const to = headers.get('to') ?? '';
  const toTagged = /;\s*tag=/i.test(to) ? to : `${to};tag=${reply.toTag ?? newTag()}`;
  let text = `SIP/2.0 ${reply.status} ${reply.reason ?? reasonOf(reply.status)}\r\n`;
  for (const via of headers.getAll('via')) text += `Via: ${via}\r\n`;
  text += `From: ${headers.get('from') ?? ''}\r\nTo: ${toTagged}\r\nCall-ID: ${headers.get('call-id') ?? ''}\r\nCSeq: ${headers.get('cseq') ?? ''}\r\n`;
  if (request.method === 'SUBSCRIBE' && reply.status < 300) text += `Contact: <${contact}>\r\n`;
  text += `${FAR_SIDE_HEADER}: crossed\r\n`;
  for (const line of reply.headers ?? []) text += `${line}\r\n`;
  return `${text}Content-Length: 0\r\n\r\n`;
}

function reasonOf(status: number): string {
  return { 200: 'OK', 403: 'Forbidden', 404: 'Not Found', 604: 'Does Not Exist Anywhere' }[status] ?? 'Answer';
}

/** What reached the far side, per scenario, and per dialog where an expectation needs it. */
export interface FarCounts {
  readonly crossed: readonly number[];
  readonly perDialog: ReadonlyArray<readonly [number, ReadonlyArray<readonly [string, number]>]>;
}

export class CrossingCounter {
  #crossed: number[];
  #perDialog = new Map<number, Map<string, number>>();
  readonly #trackDialogs: readonly boolean[];

  constructor(trackDialogs: readonly boolean[]) {
    this.#trackDialogs = trackDialogs;
    this.#crossed = trackDialogs.map(() => 0);
  }

  crossed(index: number | undefined, callId: string): void {
    if (index === undefined || index >= this.#crossed.length) return;
    this.#crossed[index]!++;
    if (!this.#trackDialogs[index]) return;
    let dialogs = this.#perDialog.get(index);
    if (dialogs === undefined) this.#perDialog.set(index, (dialogs = new Map()));
    dialogs.set(callId, (dialogs.get(callId) ?? 0) + 1);
  }

  /** Forget what preparing the run sent across (the notify storm's SUBSCRIBEs). */
  reset(): void {
    this.#crossed = this.#trackDialogs.map(() => 0);
    this.#perDialog.clear();
  }

  /** These counts together with another side's (the worker's far side and the tool's own flows). */
  countsWith(other: FarCounts): FarCounts {
    const own = this.counts();
    const dialogs = new Map<number, Map<string, number>>();
    for (const [index, perDialog] of [...own.perDialog, ...other.perDialog]) {
      const merged = dialogs.get(index) ?? new Map<string, number>();
      for (const [callId, n] of perDialog) merged.set(callId, (merged.get(callId) ?? 0) + n);
      dialogs.set(index, merged);
    }
    return {
      crossed: own.crossed.map((n, i) => n + (other.crossed[i] ?? 0)),
      perDialog: [...dialogs].map(([index, perDialog]) => [index, [...perDialog]] as const),
    };
  }

  counts(): FarCounts {
    return {
      crossed: [...this.#crossed],
      perDialog: [...this.#perDialog].map(([index, dialogs]) => [index, [...dialogs]] as const),
    };
  }
}

// A small SIP endpoint for the subscription integration tests, standing in for a presence server,
// a watcher or a peer's edge: a TCP or TLS listener, client connections, Content-Length framing,
// every request it receives recorded and answered (200 with a To tag unless told otherwise), and
// requests it sends resolved with their final response.

import { connect as connectTcp, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { connect as connectTls, createServer as createTlsServer } from 'node:tls';
import { parseDatagram } from '../../../src/sip/datagram-parser.js';
import type { IncomingMessage, IncomingRequest, IncomingResponse } from '../../../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../../../src/sip/parser-limits.js';

export interface TlsIdentity {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
}

export interface Received {
  readonly request: IncomingRequest;
  /** The connection it came on: a notifier answers the subscription it created on the same one. */
  readonly socket: Socket;
}

export interface Answer {
  readonly status: number;
  readonly headers?: readonly string[];
}

const LOOPBACK = '127.0.0.1';

export class SipEndpoint {
  readonly name: string;
  readonly received: Received[] = [];
  /** How requests are answered; a To tag is added to a To without one. */
  answer: (request: IncomingRequest) => Answer = () => ({ status: 200 });
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #pending = new Map<string, (response: IncomingResponse) => void>();
  #serial = 0;

  private constructor(name: string, server: Server) {
    this.name = name;
    this.#server = server;
  }

  static async listen(options: { name: string; port: number; tls?: TlsIdentity }): Promise<SipEndpoint> {
    const { tls } = options;
    // Connections arrive only once listening, when `endpoint` is long assigned.
    const adopt = (socket: Socket): void => endpoint.#adopt(socket);
    const server =
      tls === undefined
        ? createTcpServer(adopt)
        : createTlsServer(
            {
              cert: tls.cert,
              key: tls.key,
              ca: tls.ca,
              requestCert: true,
              rejectUnauthorized: true,
              minVersion: 'TLSv1.2',
            },
            adopt,
          );
    const endpoint = new SipEndpoint(options.name, server);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port, LOOPBACK, resolve));
    return endpoint;
  }

  /** A client connection to `port` (TLS: presenting this identity, verifying the server's chain only). */
  async connect(port: number, tls?: TlsIdentity): Promise<Socket> {
    const socket =
      tls === undefined
        ? connectTcp({ host: LOOPBACK, port })
        : connectTls({ host: LOOPBACK, port, ...tls, minVersion: 'TLSv1.2', checkServerIdentity: () => undefined });
    await new Promise<void>((resolve, reject) =>
      socket.once(tls === undefined ? 'connect' : 'secureConnect', resolve).once('error', reject),
    );
    this.#adopt(socket);
    return socket;
  }

  /** Send a request (its top Via's branch must be unique) and resolve with its final response. */
  request(socket: Socket, text: string, timeoutMs = 5000): Promise<IncomingResponse> {
    const branch = /;branch=([^;\r\n]+)/.exec(text)?.[1];
    if (branch === undefined) throw new Error('a request needs a Via branch');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no final response to ${text.slice(0, text.indexOf('\r\n'))}`)),
        timeoutMs,
      );
      this.#pending.set(branch, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      socket.write(text);
    });
  }

  nextBranch(): string {
    return `z9hG4bK-${this.name}-${++this.#serial}`;
  }

  /** Requests received so far with this method and Call-ID. */
  requests(method: string, callId: string): IncomingRequest[] {
    return this.received.map((r) => r.request).filter((r) => r.method === method && r.callId === callId);
  }

  /** Resolves once `count` requests of this method and Call-ID have arrived (rejects after `timeoutMs`). */
  async waitFor(method: string, callId: string, count: number, timeoutMs = 5000): Promise<IncomingRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests(method, callId).length < count) {
      if (Date.now() > deadline)
        throw new Error(
          `${this.name} got ${this.requests(method, callId).length} ${method} of ${callId}, not ${count}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.requests(method, callId);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #adopt(socket: Socket): void {
    this.#sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let frame = nextFrame(buffer); frame !== undefined; frame = nextFrame(buffer)) {
        buffer = buffer.subarray(frame.length);
        if (frame.message !== undefined) this.#receive(frame.message, socket);
        else if (frame.ping === true) socket.write('\r\n'); // RFC 5626 §4.4.1: a CRLF CRLF ping gets a CRLF pong
      }
    });
  }

  #receive(message: IncomingMessage, socket: Socket): void {
    if (message.kind === 'response') {
      if (message.status < 200) return;
      const branch = message.topVia.branch ?? '';
      this.#pending.get(branch)?.(message);
      this.#pending.delete(branch);
      return;
    }
    this.received.push({ request: message, socket });
    if (message.method !== 'ACK')
      socket.write(responseTo(message, this.answer(message), `${this.name}-${++this.#serial}`));
  }
}

/** One framed message (or keepalive CRLFs, message undefined) at the start of the buffer. */
function nextFrame(buffer: Buffer): { length: number; message?: IncomingMessage; ping?: boolean } | undefined {
  let skip = 0;
  while (buffer[skip] === 0x0d || buffer[skip] === 0x0a) skip++;
  if (skip > 0) return { length: skip, ping: skip >= 4 };
  const text = buffer.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const length = end + 4 + Number(/\r\nContent-Length:\s*(\d+)/i.exec(text.slice(0, end + 2))?.[1] ?? 0);
  if (buffer.length < length) return undefined;
  const frame = parseDatagram(buffer.subarray(0, length), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message') throw new Error(`unparsable message: ${text.slice(0, length)}`);
  return { length, message: frame.message };
}

function responseTo(request: IncomingRequest, answer: Answer, tag: string): string {
  const h = request.headers;
  const to = h.get('to')!;
  return sipMessage([
    `SIP/2.0 ${answer.status} ${answer.status < 300 ? 'OK' : 'Refused'}`,
    ...h.getAll('via').map((v) => `Via: ${v}`),
    ...h.getAll('record-route').map((v) => `Record-Route: ${v}`),
    `From: ${h.get('from')}`,
    `To: ${request.to.tag === undefined ? `${to};tag=${tag}` : to}`,
    `Call-ID: ${request.callId}`,
    `CSeq: ${h.get('cseq')}`,
    ...(answer.headers ?? []),
  ]);
}

/** Header lines (and a body) as a message with CRLF line ends and the Content-Length written in. */
export function sipMessage(lines: readonly string[], body = ''): string {
  return [...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

// The allowed peer community b.example.net, as the edge sees it: a mutual-TLS listener presenting
// b.example.net's certificate that answers every request 200 and remembers what arrived (so a test
// knows what crossed the border, decrypted), and a mutual-TLS client that dials the edge's external
// listener as b.example.net and sends whatever a hostile peer would. The edge may send requests
// over either connection (F4: any live connection to the peer), so both answer them alike.

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { answer, callIdOf, methodOf, statusOf, streamFramer } from './sip-wire.js';

export interface PeerCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
}

export interface ArrivedRequest {
  readonly callId: string;
  readonly method: string;
  readonly text: string;
}

export class PeerEdge {
  readonly arrived: ArrivedRequest[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<TLSSocket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listens on `address` (an ephemeral port); requires the edge's client certificate (F2). */
  static async listen(address: string, credentials: PeerCredentials): Promise<PeerEdge> {
    const server = createServer({ ...credentials, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
    const peer = new PeerEdge(server);
    server.on('secureConnection', (socket) => peer.#serve(socket));
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, () => resolve());
    });
    return peer;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(socket: TLSSocket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    const framer = streamFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const message of framer.push(chunk)) {
        if (methodOf(message) !== undefined) answerAsPeer(socket, message, this.arrived);
      }
    });
  }
}

/** What the peer's edge does with a request the edge sent it: note it, and answer 200. */
function answerAsPeer(socket: TLSSocket, request: string, arrived: ArrivedRequest[]): void {
  const method = methodOf(request)!;
  arrived.push({ callId: callIdOf(request) ?? '', method, text: request });
  if (method === 'ACK') return;
  socket.write(
    answer(
      request,
      200,
      'OK',
      method === 'SUBSCRIBE' ? ['Expires: 600', 'Contact: <sip:b.example.net;transport=tls>'] : [],
    ),
  );
}

/** A connection the peer opened to the edge's external listener, sending what a test writes. */
export class PeerClient {
  readonly #socket: TLSSocket;
  readonly #finals = new Map<string, string>();
  readonly #waiters = new Map<string, () => void>();

  private constructor(socket: TLSSocket, arrived: ArrivedRequest[]) {
    this.#socket = socket;
    const framer = streamFramer();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const message of framer.push(chunk)) {
        if (methodOf(message) !== undefined) {
          answerAsPeer(socket, message, arrived);
          continue;
        }
        const status = statusOf(message);
        const callId = callIdOf(message);
        if (status === undefined || status < 200 || callId === undefined || this.#finals.has(callId)) continue;
        this.#finals.set(callId, message);
        this.#waiters.get(callId)?.();
      }
    });
  }

  /** `arrived`: where requests the edge sends over this connection are noted (the peer edge's list). */
  static connect(options: {
    host: string;
    port: number;
    credentials: PeerCredentials;
    arrived: ArrivedRequest[];
    servername?: string;
  }): Promise<PeerClient> {
    const socket = connect({
      host: options.host,
      port: options.port,
      ...options.credentials,
      minVersion: 'TLSv1.2',
      servername: options.servername ?? 'a.example.com',
      checkServerIdentity: () => undefined,
    });
    return new Promise((resolve, reject) => {
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(new PeerClient(socket, options.arrived));
      });
      socket.once('error', reject);
    });
  }

  /** Writes `text` and waits at most `timeoutMs` for the final response with `callId`. */
  async send(text: string, callId: string, timeoutMs: number): Promise<string | undefined> {
    this.#socket.write(text);
    if (!this.#finals.has(callId)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#waiters.set(callId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.#waiters.delete(callId);
    }
    return this.#finals.get(callId);
  }

  close(): void {
    this.#socket.destroy();
  }
}

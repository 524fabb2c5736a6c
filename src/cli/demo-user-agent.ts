// A small SIP user agent for `simple-edge demo`: one TCP connection to its community's internal
// listener for what it sends, and a TCP listener of its own at its registered Contact for what the
// edge delivers (MESSAGE, NOTIFY), each answered 200. Built from the edge's own message builders
// and framer (the load tester's SipConnection), so the demo exercises no second SIP stack.

import { createServer, connect, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SipConnection } from '../loadtest/sip-connection.js';
import { createRequest } from '../sip/create-request.js';
import { createResponse } from '../sip/create-response.js';
import { newBranch, newCallId } from '../sip/identifiers.js';
import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import { digestAuthorization, parseDigestChallenge } from './digest-authorization.js';

const LOOPBACK = '127.0.0.1';

export interface DemoUserAgentOptions {
  readonly user: string;
  readonly domain: string;
  readonly password: string;
  /** The community's internal TCP listener. */
  readonly proxy: { readonly host: string; readonly port: number };
  /** How long any request may wait for its final response. */
  readonly timeoutMs: number;
}

export interface RequestOptions {
  readonly to?: string;
  readonly callId?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
  readonly contentType?: string;
}

export class DemoUserAgent {
  readonly address: string;
  readonly received: IncomingRequest[] = [];
  readonly #options: DemoUserAgentOptions;
  readonly #server: Server;
  readonly #inbound = new Set<SipConnection>();
  /** Set once connected, before start() resolves. */
  #outbound!: SipConnection;
  #cseq = 0;

  private constructor(options: DemoUserAgentOptions) {
    this.#options = options;
    this.address = `${options.user}@${options.domain}`;
    this.#server = createServer((socket) => {
      const connection = new SipConnection(socket, (request, on) => this.#answer(request, on));
      this.#inbound.add(connection);
      socket.on('close', () => this.#inbound.delete(connection));
    });
  }

  static async start(options: DemoUserAgentOptions): Promise<DemoUserAgent> {
    const agent = new DemoUserAgent(options);
    await new Promise<void>((resolve, reject) => agent.#server.once('error', reject).listen(0, LOOPBACK, resolve));
    const socket = connect({ host: options.proxy.host, port: options.proxy.port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    agent.#outbound = new SipConnection(socket, (request, on) => agent.#answer(request, on));
    return agent;
  }

  get contact(): string {
    return `<sip:${this.#options.user}@${LOOPBACK}:${(this.#server.address() as AddressInfo).port};transport=tcp>`;
  }

  /** RFC 3261 §10.2: REGISTER, and once more with credentials when challenged (401). */
  async register(expiresSeconds: number): Promise<{ challenged: boolean; response: IncomingResponse }> {
    const registrar = `sip:${this.#options.domain}`;
    const options = {
      to: `<sip:${this.address}>`,
      callId: newCallId(LOOPBACK),
      headers: [
        ['Contact', this.contact],
        ['Expires', String(expiresSeconds)],
      ] as Array<[string, string]>,
    };
    const first = await this.request('REGISTER', registrar, options);
    if (first.status !== 401 && first.status !== 407) return { challenged: false, response: first };
    const challenge = first.headers
      .getAll('www-authenticate')
      .map(parseDigestChallenge)
      .find((c) => c !== undefined);
    if (challenge === undefined) throw new Error(`${this.address}: a ${first.status} without a digest challenge`);
    const authorization = digestAuthorization({
      challenge,
      username: this.#options.user,
      password: this.#options.password,
      method: 'REGISTER',
      uri: registrar,
    });
    const second = await this.request('REGISTER', registrar, {
      ...options,
      headers: [...options.headers, ['Authorization', authorization]],
    });
    return { challenged: true, response: second };
  }

  /** Sends a request outside any dialog and resolves with its final response. */
  request(method: string, requestUri: string, options: RequestOptions = {}): Promise<IncomingResponse> {
    const request = createRequest({
      method,
      requestUri,
      from: `<sip:${this.address}>`,
      to: options.to ?? `<${requestUri}>`,
      cseq: ++this.#cseq,
      via: `SIP/2.0/TCP ${LOOPBACK}:${(this.#server.address() as AddressInfo).port};branch=${newBranch()}`,
      localHost: LOOPBACK,
      ...(options.callId === undefined ? {} : { callId: options.callId }),
      headers: [['Contact', this.contact], ...(options.headers ?? [])],
      ...(options.body === undefined
        ? {}
        : { body: Buffer.from(options.body, 'utf8'), contentType: options.contentType ?? 'text/plain' }),
    });
    const branch = /;branch=([^;\s]+)/.exec(request.get('Via') ?? '')![1]!;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.address}: no final response to ${method} within ${this.#options.timeoutMs} ms`)),
        this.#options.timeoutMs,
      );
      this.#outbound.request(branch, request.toBuffer().toString('latin1'), {
        sentAt: performance.now(),
        settle: (response) => {
          clearTimeout(timer);
          if (response === undefined)
            reject(
              new Error(
                `${this.address}: the connection to ${this.#options.proxy.host}:${this.#options.proxy.port} closed`,
              ),
            );
          else resolve(response);
        },
      });
    });
  }

  /** Resolves with the first received request (so far or later) that matches, or rejects after `timeoutMs`. */
  async waitFor(
    what: string,
    matches: (request: IncomingRequest) => boolean,
    timeoutMs = this.#options.timeoutMs,
  ): Promise<IncomingRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(matches);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`${this.address}: no ${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    this.#outbound.close();
    for (const connection of this.#inbound) connection.close();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  /** Every request the edge delivers is accepted (RFC 3261 §8.2.6: 200, a To tag added). */
  #answer(request: IncomingRequest, connection: SipConnection): void {
    this.received.push(request);
    if (request.method !== 'ACK') connection.send(createResponse(request, 200).toBuffer().toString('latin1'));
  }
}

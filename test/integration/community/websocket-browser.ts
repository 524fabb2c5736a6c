// A browser-like SIP client over WebSocket (RFC 7118), as SIP.js or JsSIP behave: a random `.invalid`
// host in Via and Contact, the `sip` subprotocol, one SIP message per WebSocket message, digest
// registration. Requests it receives are recorded and answered 200 (NOTIFY and MESSAGE).

import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { digestAuthorization, parseDigestChallenge } from '../../../src/cli/digest-authorization.js';
import { parseDatagram } from '../../../src/sip/datagram-parser.js';
import type { IncomingMessage, IncomingRequest, IncomingResponse } from '../../../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../../../src/sip/parser-limits.js';

export class WebSocketBrowser {
  readonly user: string;
  readonly domain: string;
  /** The random host RFC 7118 §5 gives a client that has no address of its own. */
  readonly host = `${randomBytes(6).toString('hex')}.invalid`;
  readonly received: IncomingRequest[] = [];
  readonly socket: WebSocket;
  readonly closed: Promise<number>;
  readonly #pending = new Map<string, (response: IncomingResponse) => void>();
  #serial = 0;

  private constructor(user: string, domain: string, socket: WebSocket) {
    this.user = user;
    this.domain = domain;
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('message', (data) => this.#onMessage(Buffer.from(data as Buffer)));
  }

  static open(url: string, user: string, domain: string, origin?: string): Promise<WebSocketBrowser> {
    const socket = new WebSocket(url, ['sip'], origin === undefined ? {} : { origin });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WebSocketBrowser(user, domain, socket)));
      socket.once('error', reject);
    });
  }

  get aor(): string {
    return `sip:${this.user}@${this.domain}`;
  }

  get contact(): string {
    return `sip:${this.user}@${this.host};transport=ws`;
  }

  nextBranch(): string {
    return `z9hG4bK-${this.user}-${++this.#serial}-${randomBytes(3).toString('hex')}`;
  }

  /** Send a request built from its lines (no Content-Length: RFC 7118 §5 does not need one); resolve with its final response. */
  request(lines: readonly string[], body = ''): Promise<IncomingResponse> {
    const text = `${lines.join('\r\n')}\r\n\r\n${body}`;
    const callId = /^Call-ID: (.+)$/im.exec(text)![1]!.trim();
    const cseq = /^CSeq: (.+)$/im.exec(text)![1]!.trim();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.user}: no final response to ${cseq}`)), 10_000);
      this.#pending.set(`${callId} ${cseq}`, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.socket.send(text);
    });
  }

  /** REGISTER with digest (RFC 3261 §22.4): the 401 is answered with credentials for `password`. */
  async register(password: string, expires = 600): Promise<IncomingResponse> {
    const callId = `reg-${this.host}`;
    const lines = (cseq: number, authorization?: string): string[] => [
      `REGISTER sip:${this.domain} SIP/2.0`,
      `Via: SIP/2.0/WS ${this.host};branch=${this.nextBranch()}`,
      'Max-Forwards: 70',
      `From: <${this.aor}>;tag=r${this.user}`,
      `To: <${this.aor}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: <${this.contact}>;expires=${expires}`,
      ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
    ];
    const challenged = await this.request(lines(1));
    if (challenged.status !== 401) return challenged;
    const challenge = parseDigestChallenge(challenged.headers.get('www-authenticate')!)!;
    const uri = `sip:${this.domain}`;
    const authorization = digestAuthorization({ challenge, username: this.user, password, method: 'REGISTER', uri });
    return this.request(lines(2, authorization));
  }

  /** Resolves once `count` requests of `method` have arrived. */
  async waitFor(method: string, count = 1): Promise<IncomingRequest[]> {
    for (let i = 0; i < 2000; i++) {
      const found = this.received.filter((r) => r.method === method);
      if (found.length >= count) return found;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`${this.user}: fewer than ${count} ${method} arrived`);
  }

  #onMessage(bytes: Buffer): void {
    const frame = parseDatagram(bytes, DEFAULT_PARSER_LIMITS);
    if (frame.kind !== 'message') return;
    const message: IncomingMessage = frame.message;
    if (message.kind === 'response') {
      if (message.status < 200) return;
      const key = `${message.headers.get('call-id')} ${message.headers.get('cseq')?.trim()}`;
      this.#pending.get(key)?.(message);
      this.#pending.delete(key);
      return;
    }
    this.received.push(message);
    if (message.method !== 'ACK') this.socket.send(answerOf(message, bytes.toString('latin1')));
  }
}

/** 200 OK copying Via, From, To (tagged), Call-ID and CSeq (RFC 3261 §8.2.6.2). */
function answerOf(request: IncomingRequest, text: string): string {
  const head = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n').slice(1);
  const copied = head.filter((line) => /^(via|v|from|f|call-id|i|cseq)\s*:/i.test(line));
  const to = head.find((line) => /^(to|t)\s*:/i.test(line))!;
  return [
    'SIP/2.0 200 OK',
    ...copied,
    /;\s*tag=/i.test(to) ? to : `${to};tag=b${randomBytes(3).toString('hex')}`,
    '',
    '',
  ].join('\r\n');
}

export function isRequestFor(request: IncomingRequest, callId: string): boolean {
  return request.callId === callId;
}

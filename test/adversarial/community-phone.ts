// A user agent of this community on the test's side of the link: it registers with the edge's
// built-in registrar (RFC 3261 §10, digest with MD5 as RFC 8760 allows) and answers 200 to whatever
// the edge delivers to its contact, remembering it — the one plain-SIP destination the edge may
// open on its own, because the community itself asked for it.

import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { answer, callIdOf, headerValues, methodOf, statusOf } from './sip-wire.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export class CommunityPhone {
  readonly delivered: Array<{ readonly callId: string; readonly method: string }> = [];
  readonly #socket: Socket;
  readonly #responses: string[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (datagram, from) => {
      const text = datagram.toString('latin1');
      const method = methodOf(text);
      if (method === undefined) {
        this.#responses.push(text);
        return;
      }
      this.delivered.push({ callId: callIdOf(text) ?? '', method });
      if (method !== 'ACK') socket.send(answer(text, 200, 'OK'), from.port, from.address);
    });
  }

  static async open(address: string): Promise<CommunityPhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    return new CommunityPhone(socket);
  }

  get address(): { address: string; port: number } {
    return this.#socket.address();
  }

  /** REGISTERs `user@domain` with the edge's internal UDP listener, answering its digest challenge. */
  async register(options: {
    user: string;
    domain: string;
    password: string;
    edge: { address: string; port: number };
  }): Promise<void> {
    const { address, port } = this.address;
    const uri = `sip:${options.domain}`;
    const request = (cseq: number, authorization?: string) =>
      [
        `REGISTER ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP ${address}:${port};branch=z9hG4bK-reg${cseq}-${Date.now()};rport`,
        'Max-Forwards: 70',
        `From: <sip:${options.user}@${options.domain}>;tag=reg`,
        `To: <sip:${options.user}@${options.domain}>`,
        `Call-ID: register-${options.user}-${port}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <sip:${options.user}@${address}:${port}>`,
        'Expires: 3600',
        ...(authorization === undefined ? [] : [`Authorization: ${authorization}`]),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const challenge = await this.#exchange(request(1), options.edge);
    const header = headerValues(challenge, 'WWW-Authenticate')[0] ?? '';
    const param = (name: string) => new RegExp(`${name}="?([^",]+)"?`).exec(header)?.[1] ?? '';
    const [realm, nonce] = [param('realm'), param('nonce')];
    const ha1 = md5(`${options.user}:${realm}:${options.password}`);
    const response = md5(`${ha1}:${nonce}:00000001:c0ffee:auth:${md5(`REGISTER:${uri}`)}`);
    const credentials = `Digest username="${options.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"`;
    const final = await this.#exchange(request(2, credentials), options.edge);
    if (statusOf(final) !== 200) throw new Error(`REGISTER of ${options.user} was answered ${final.split('\r\n')[0]}`);
  }

  close(): void {
    this.#socket.close();
  }

  async #exchange(text: string, edge: { address: string; port: number }): Promise<string> {
    this.#responses.length = 0;
    this.#socket.send(text, edge.port, edge.address);
    const deadline = Date.now() + 3_000;
    for (;;) {
      const final = this.#responses.find((r) => (statusOf(r) ?? 0) >= 200);
      if (final !== undefined) return final;
      if (Date.now() > deadline) throw new Error(`no final response to ${text.split('\r\n')[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

// A minimal authoritative DNS server on 127.0.0.1 for the discovery benchmark: answers from an
// in-memory record list over UDP, counts the queries it receives, and can delay its answers so
// concurrent look-ups really overlap. Not a test double for correctness (bind9 is, in the tests).

import { createSocket, type Socket } from 'node:dgram';
import * as packet from 'dns-packet';

export type BenchRecord = packet.Answer;

export class LoopbackDnsServer {
  readonly #records: readonly BenchRecord[];
  readonly #delayMs: number;
  #socket: Socket | undefined;
  /** Queries received since start (or the last reset). */
  queries = 0;

  constructor(records: readonly BenchRecord[], options: { delayMs?: number } = {}) {
    this.#records = records;
    this.#delayMs = options.delayMs ?? 0;
  }

  async start(): Promise<number> {
    const socket = createSocket('udp4');
    this.#socket = socket;
    socket.on('message', (message, from) => {
      this.queries++;
      const reply = this.#answer(message);
      if (reply === undefined) return;
      const send = () => socket.send(reply, from.port, from.address);
      if (this.#delayMs > 0) setTimeout(send, this.#delayMs);
      else send();
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return socket.address().port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.#socket === undefined ? resolve() : this.#socket.close(() => resolve())));
  }

  #answer(message: Buffer): Buffer | undefined {
    const query = packet.decode(message);
    const question = query.questions?.[0];
    if (question === undefined) return undefined;
    const name = question.name.toLowerCase();
    const atName = this.#records.filter((r) => r.name === name);
    const answers = atName.filter((r) => r.type === question.type);
    const soa: BenchRecord = {
      type: 'SOA',
      name: 'example.net',
      ttl: 60,
      data: {
        mname: 'ns.example.net',
        rname: 'hostmaster.example.net',
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86_400,
        minimum: 60,
      },
    };
    return packet.encode({
      type: 'response',
      id: query.id,
      flags: packet.AUTHORITATIVE_ANSWER | (atName.length === 0 ? 3 : 0),
      questions: [question],
      answers,
      authorities: answers.length === 0 ? [soa] : [],
    });
  }
}

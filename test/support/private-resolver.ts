// The system resolver of one process, made its own: `unshare --mount` gives the process a mount
// namespace in which /etc/resolv.conf names a loopback address no other program uses, where a small
// DNS responder answers every A query with a "sink" address of its own. Every getaddrinfo() of that
// process then shows in a capture as a query to `address`, and everything it sends to a name it
// looked up goes to `sinkAddress`, where nothing listens — so a test can see on the wire, apart from
// every other program on the machine, each lookup and each packet steered by a name. Needs root.

import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as packet from 'dns-packet';
import { requireProgram } from './apt.js';

export class PrivateResolver {
  /** Where the process's DNS queries go (UDP port 53). */
  readonly address: string;
  /** What every name resolves to (A records; AAAA queries get no data). */
  readonly sinkAddress: string;
  /** The command prefix that runs a program with this resolver. */
  readonly wrapper: readonly string[];
  readonly #socket: Socket;

  private constructor(address: string, sinkAddress: string, wrapper: readonly string[], socket: Socket) {
    this.address = address;
    this.sinkAddress = sinkAddress;
    this.wrapper = wrapper;
    this.#socket = socket;
  }

  static async start(workDir: string): Promise<PrivateResolver> {
    // 127.53.x.y and 127.53.x.y+1: inside 127/8, away from the 127.0.0.x addresses local resolvers use.
    const prefix = `127.53.${1 + Math.floor(Math.random() * 254)}`;
    const last = 1 + Math.floor(Math.random() * 250);
    const address = `${prefix}.${last}`;
    const sinkAddress = `${prefix}.${last + 1}`;
    const file = path.join(workDir, 'resolv.conf');
    writeFileSync(file, `nameserver ${address}\noptions attempts:1 timeout:1\n`);
    const socket = createSocket('udp4');
    socket.on('message', (query, from) => {
      const answer = answerFor(query, sinkAddress);
      if (answer !== undefined) socket.send(answer, from.port, from.address);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(53, address, () => resolve());
    });
    const script = 'mount --bind "$0" /etc/resolv.conf && exec "$@"';
    return new PrivateResolver(
      address,
      sinkAddress,
      [requireProgram('unshare'), '--mount', 'sh', '-c', script, file],
      socket,
    );
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}

/** An authoritative answer: A → the sink, anything else → no data. Undefined for what is not a query. */
function answerFor(query: Buffer, sinkAddress: string): Buffer | undefined {
  let decoded: packet.Packet;
  try {
    decoded = packet.decode(query);
  } catch {
    return undefined;
  }
  const question = decoded.questions?.[0];
  if (decoded.type !== 'query' || question === undefined) return undefined;
  const answers: packet.Answer[] =
    question.type === 'A' ? [{ type: 'A', name: question.name, ttl: 5, data: sinkAddress }] : [];
  return packet.encode({
    type: 'response',
    id: decoded.id ?? 0,
    flags: packet.AUTHORITATIVE_ANSWER,
    questions: [question],
    answers,
  });
}

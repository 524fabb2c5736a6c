// Where DNS points the plain-SIP records of the allowed peers (SIP+D2T, SIP+D2U): a TCP listener and
// a UDP socket of the test's own that note every request arriving in cleartext and never answer.
// Without it a cleartext attempt would hit whatever else listens on the machine; with it the
// capture and this list both name the Call-ID that leaked.

import { createSocket, type Socket as DatagramSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { callIdOf, streamFramer } from './sip-wire.js';

export class PlaintextTrap {
  /** Call-IDs of the requests that arrived here, with the transport they came over. */
  readonly arrived: Array<{ readonly callId: string; readonly transport: 'tcp' | 'udp' }> = [];
  readonly #server: Server;
  readonly #udp: DatagramSocket;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server, udp: DatagramSocket) {
    this.#server = server;
    this.#udp = udp;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      const framer = streamFramer();
      socket.on('data', (chunk: Buffer) =>
        framer.push(chunk).forEach((m) => this.arrived.push({ callId: callIdOf(m) ?? '', transport: 'tcp' })),
      );
    });
    udp.on('message', (datagram) =>
      this.arrived.push({ callId: callIdOf(datagram.toString('latin1')) ?? '', transport: 'udp' }),
    );
  }

  static async open(address: string): Promise<PlaintextTrap> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, () => resolve());
    });
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, address, () => resolve());
    });
    return new PlaintextTrap(server, udp);
  }

  get ports(): { tcp: number; udp: number } {
    return { tcp: (this.#server.address() as AddressInfo).port, udp: this.#udp.address().port };
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#udp.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

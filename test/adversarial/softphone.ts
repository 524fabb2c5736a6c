// An ordinary (or misconfigured, or malicious) softphone of this community: it sends one request's
// bytes from its own socket on the test's side and waits for the final response. Over UDP the socket
// receives only what is addressed to its own address and port, so an answer that arrives proves it
// went where RFC 3261 §18.2.2 and RFC 3581 send it; over TCP it comes back on the connection.

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { callIdOf, statusOf, streamFramer } from './sip-wire.js';

export type ClientTransport = 'udp' | 'tcp';

export interface SoftphoneExchange {
  /** The first final response for the Call-ID, if one arrived in time. */
  readonly final: string | undefined;
  /** The port the request was sent from (the source an answer must go back to). */
  readonly sourcePort: number;
}

/** A socket the request will come from, so its text can name the source port (Via, Contact). */
export interface Softphone {
  readonly port: number;
  exchange(text: string, callId: string, timeoutMs: number): Promise<SoftphoneExchange>;
}

export async function openSoftphone(options: {
  transport: ClientTransport;
  address: string;
  edge: { address: string; port: number };
}): Promise<Softphone> {
  return options.transport === 'udp'
    ? udpPhone(options.address, options.edge)
    : tcpPhone(options.address, options.edge);
}

function waitFor(
  finals: Map<string, string>,
  callId: string,
  timeoutMs: number,
  onClose: () => void,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const poll = () => {
      const final = finals.get(callId);
      if (final !== undefined || Date.now() > deadline) {
        onClose();
        resolve(final);
        return;
      }
      setTimeout(poll, 10);
    };
    poll();
  });
}

function noteFinal(finals: Map<string, string>, message: string): void {
  const callId = callIdOf(message);
  if ((statusOf(message) ?? 0) >= 200 && callId !== undefined && !finals.has(callId)) finals.set(callId, message);
}

async function udpPhone(address: string, edge: { address: string; port: number }): Promise<Softphone> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  const finals = new Map<string, string>();
  socket.on('message', (datagram) => noteFinal(finals, datagram.toString('latin1')));
  const port = socket.address().port;
  return {
    port,
    async exchange(text, callId, timeoutMs) {
      socket.send(text, edge.port, edge.address);
      return { final: await waitFor(finals, callId, timeoutMs, () => socket.close()), sourcePort: port };
    },
  };
}

async function tcpPhone(address: string, edge: { address: string; port: number }): Promise<Softphone> {
  const socket = connect({ host: edge.address, port: edge.port, localAddress: address });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const finals = new Map<string, string>();
  const framer = streamFramer();
  socket.on('data', (chunk: Buffer) => framer.push(chunk).forEach((message) => noteFinal(finals, message)));
  const port = socket.localPort!;
  return {
    port,
    async exchange(text, callId, timeoutMs) {
      socket.write(text);
      return { final: await waitFor(finals, callId, timeoutMs, () => socket.destroy()), sourcePort: port };
    },
  };
}

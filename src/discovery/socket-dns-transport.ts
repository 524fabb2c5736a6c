// One DNS exchange with one resolver (RFC 1035 §4.2): a UDP datagram from a fresh socket (a new
// random source port per query, with the random ID, is the spoofing defence of RFC 5452 §9.2), and
// the same question over TCP when the answer comes back truncated (RFC 7766 §5).

import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import type { Clock } from '../clock/clock.js';
import type { DnsQuestion, DnsTransport } from './dns-client.js';
import { DiscoveryError } from './discovery-error.js';
import { formatServer, type DnsResponse, type DnsServer } from './dns-records.js';
import { decodeResponse, encodeQuery, frameForTcp, type DecodedResponse } from './dns-wire.js';

export interface SocketDnsTransportOptions {
  readonly clock: Clock;
  /** RFC 6891 payload size offered in an OPT record; 0 sends none. */
  readonly ednsUdpPayloadBytes: number;
}

interface Exchange {
  readonly id: number;
  readonly question: DnsQuestion;
  readonly query: Buffer;
  readonly server: DnsServer;
  readonly timeoutMs: number;
}

export class SocketDnsTransport implements DnsTransport {
  readonly #options: SocketDnsTransportOptions;
  /** Datagrams sent, and questions asked again over TCP after a truncated answer. */
  readonly stats = { udp: 0, tcpAfterTruncation: 0 };

  constructor(options: SocketDnsTransportOptions) {
    this.#options = options;
  }

  async exchange(question: DnsQuestion, server: DnsServer, timeoutMs: number): Promise<DnsResponse> {
    const id = randomInt(0, 65_536);
    const query = encodeQuery({
      id,
      name: question.name,
      type: question.type,
      ednsUdpPayloadBytes: this.#options.ednsUdpPayloadBytes,
    });
    const exchange: Exchange = { id, question, query, server, timeoutMs };
    this.stats.udp++;
    let decoded = await this.#overUdp(exchange);
    // RFC 2181 §9: a truncated answer is not used; the question is asked again over TCP.
    if (decoded.truncated) {
      this.stats.tcpAfterTruncation++;
      decoded = await this.#overTcp(exchange);
    }
    return {
      rcode: decoded.rcode,
      answers: decoded.answers,
      negativeTtl: decoded.negativeTtl,
      server: formatServer(server),
    };
  }

  #overUdp(exchange: Exchange): Promise<DecodedResponse> {
    const { server } = exchange;
    const socket = createSocket(isIPv6(server.address) ? 'udp6' : 'udp4');
    return this.#settle(
      exchange,
      'UDP',
      (finish) => {
        socket.on('error', (error) => finish(failure(exchange, `UDP: ${error.message}`)));
        socket.on('message', (message: Buffer, from: RemoteInfo) => {
          // Anything but the resolver's answer to this very question is ignored, not believed.
          if (from.port !== server.port || !sameAddress(from.address, server.address)) return;
          const decoded = tryDecode(message);
          if (decoded !== undefined && answers(decoded, exchange)) finish(decoded);
        });
        socket.send(exchange.query, server.port, server.address);
      },
      () => socket.close(),
    );
  }

  #overTcp(exchange: Exchange): Promise<DecodedResponse> {
    const { server } = exchange;
    const socket = connect({ host: server.address, port: server.port });
    let received = Buffer.alloc(0);
    return this.#settle(
      exchange,
      'TCP',
      (finish) => {
        socket.on('error', (error) => finish(failure(exchange, `TCP: ${error.message}`)));
        socket.on('close', () => finish(failure(exchange, 'TCP: the resolver closed the connection before answering')));
        socket.on('connect', () => socket.write(frameForTcp(exchange.query)));
        socket.on('data', (chunk: Buffer) => {
          received = Buffer.concat([received, chunk]);
          if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
          const decoded = tryDecode(received.subarray(2, 2 + received.readUInt16BE(0)));
          finish(
            decoded !== undefined && answers(decoded, exchange)
              ? decoded
              : failure(exchange, 'TCP: the answer does not match the question'),
          );
        });
      },
      () => socket.destroy(),
    );
  }

  /** Runs one attempt under the timeout; `finish` takes the answer or the error, once. */
  #settle(
    exchange: Exchange,
    over: string,
    start: (finish: (outcome: DecodedResponse | DiscoveryError) => void) => void,
    release: () => void,
  ): Promise<DecodedResponse> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (outcome: DecodedResponse | DiscoveryError): void => {
        if (done) return;
        done = true;
        timer.cancel();
        try {
          release();
        } catch {
          // already closed by its own error; nothing left to release
        }
        if (outcome instanceof DiscoveryError) reject(outcome);
        else resolve(outcome);
      };
      const timer = this.#options.clock.setTimer(exchange.timeoutMs, () =>
        finish(
          new DiscoveryError(
            'DNS_TIMEOUT',
            `${exchange.question.type} ${exchange.question.name}: no answer from ${formatServer(exchange.server)} over ${over} within ${exchange.timeoutMs} ms`,
          ),
        ),
      );
      start(finish);
    });
  }
}

function tryDecode(bytes: Buffer): DecodedResponse | undefined {
  try {
    return decodeResponse(bytes);
  } catch {
    return undefined;
  }
}

function answers(decoded: DecodedResponse, exchange: Exchange): boolean {
  return (
    decoded.id === exchange.id &&
    decoded.questionType === exchange.question.type &&
    decoded.questionName === exchange.question.name.toLowerCase()
  );
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase() || a === `::ffff:${b}`;
}

function failure(exchange: Exchange, detail: string): DiscoveryError {
  return new DiscoveryError(
    'DNS_FAILURE',
    `${exchange.question.type} ${exchange.question.name} at ${formatServer(exchange.server)}: ${detail}`,
  );
}

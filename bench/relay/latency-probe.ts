// The latency probe: SIPp times responses with a clock that reads 0 or multiples of 4 ms on
// this kernel, so percentiles come from our own client instead. It sends MESSAGEs at a small steady
// rate over its own TCP or TLS connection through the same proxy, beside the SIPp load, and times each
// transaction with process.hrtime from the write to its final response, framed by the project's own
// StreamFramer. A 503 (the proxy shedding load) is timed apart: the time-to-503 of the overload leg.

import { randomBytes } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { DEFAULT_PARSER_LIMITS } from '../../src/sip/parser-limits.js';
import { StreamFramer } from '../../src/sip/stream-framer.js';

export interface ProbeTarget {
  readonly port: number;
  readonly transport: 'tcp' | 'tls';
  /** Client certificate, key and trust anchor for TLS (the proxy requires mutual TLS). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer };
}

export interface ProbeResult {
  /** MESSAGE/s the probe offered (on top of SIPp's). */
  readonly ratePerSecond: number;
  readonly sent: number;
  readonly answered: number;
  /** Final responses other than 200 (503s included). */
  readonly rejected: number;
  readonly unanswered: number;
  /** Latency of the 200s only: the admitted requests. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly maxMs: number | undefined;
  /** 503s, how many carried Retry-After, and their latency (time-to-503). */
  readonly shed: number;
  readonly shedWithRetryAfter: number;
  readonly shedP50Ms: number | undefined;
  readonly shedP99Ms: number | undefined;
  readonly shedMaxMs: number | undefined;
}

const UNANSWERED_AFTER_MS = 5000;

export class LatencyProbe {
  readonly #socket: Socket;
  readonly #transport: 'tcp' | 'tls';
  /** Unique per probe: a Call-ID or branch seen in an earlier step must never come again (SIPp's UAS
   * ignores a finished call's Call-ID, and a proxy may still hold the earlier transaction). */
  readonly #token = randomBytes(6).toString('hex');
  readonly #framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
  readonly #pending = new Map<string, bigint>();
  readonly #latenciesMs: number[] = [];
  readonly #shedLatenciesMs: number[] = [];
  #shedWithRetryAfter = 0;
  #sent = 0;
  #rejected = 0;
  #timer: NodeJS.Timeout | undefined;
  #rate = 0;
  #closed = false;

  private constructor(socket: Socket, transport: 'tcp' | 'tls') {
    this.#socket = socket;
    this.#transport = transport;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('close', () => {
      this.#closed = true;
    });
    socket.on('error', () => undefined);
  }

  static async connect(target: ProbeTarget): Promise<LatencyProbe> {
    const socket =
      target.transport === 'tls'
        ? connectTls({ host: '127.0.0.1', port: target.port, ...target.tls, checkServerIdentity: () => undefined })
        : connectTcp({ host: '127.0.0.1', port: target.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once(target.transport === 'tls' ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    return new LatencyProbe(socket, target.transport);
  }

  /** Sends `ratePerSecond` MESSAGEs a second until `stopSending` (one per tick, never bursts to catch up). */
  start(ratePerSecond: number): void {
    this.#rate = ratePerSecond;
    this.#timer = setInterval(() => this.#send(), 1000 / ratePerSecond);
  }

  /** Stops sending, waits for the outstanding answers (at most 5 s), closes, and summarises. */
  async finish(): Promise<ProbeResult> {
    clearInterval(this.#timer);
    const deadline = Date.now() + UNANSWERED_AFTER_MS;
    while (this.#pending.size > 0 && !this.#closed && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    this.#socket.destroy();
    const sorted = [...this.#latenciesMs].sort((a, b) => a - b);
    const shed = [...this.#shedLatenciesMs].sort((a, b) => a - b);
    return {
      ratePerSecond: this.#rate,
      sent: this.#sent,
      answered: sorted.length + this.#rejected,
      rejected: this.#rejected,
      unanswered: this.#pending.size,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1],
      shed: shed.length,
      shedWithRetryAfter: this.#shedWithRetryAfter,
      shedP50Ms: percentile(shed, 0.5),
      shedP99Ms: percentile(shed, 0.99),
      shedMaxMs: shed[shed.length - 1],
    };
  }

  #send(): void {
    if (this.#closed) return;
    const n = ++this.#sent;
    const callId = `probe-${this.#token}-${n}@bench.invalid`;
    const local = `127.0.0.1:${this.#socket.localPort ?? 0}`;
    const body = `latency probe ${n}`;
    const message = [
      'MESSAGE sip:bench@a.example.com SIP/2.0',
      `Via: SIP/2.0/${this.#transport.toUpperCase()} ${local};branch=z9hG4bKprobe${this.#token}x${n}`,
      `From: <sip:probe@peer.example.net>;tag=probe${this.#token}x${n}`,
      'To: <sip:bench@a.example.com>',
      `Call-ID: ${callId}`,
      `CSeq: ${n} MESSAGE`,
      'Max-Forwards: 70',
      'Content-Type: text/plain',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    this.#pending.set(callId, process.hrtime.bigint());
    this.#socket.write(message);
  }

  #receive(chunk: Buffer): void {
    const now = process.hrtime.bigint();
    this.#framer.push(chunk);
    for (let frame = this.#framer.next(); frame !== undefined; frame = this.#framer.next()) {
      if (frame.kind !== 'message' || frame.message.kind !== 'response' || frame.message.status < 200) continue;
      const callId = frame.message.headers.get('call-id') ?? '';
      const started = this.#pending.get(callId);
      if (started === undefined) continue;
      this.#pending.delete(callId);
      const latencyMs = Number(now - started) / 1e6;
      if (frame.message.status === 200) {
        this.#latenciesMs.push(latencyMs);
        continue;
      }
      this.#rejected++;
      if (frame.message.status !== 503) continue;
      this.#shedLatenciesMs.push(latencyMs);
      if (frame.message.headers.get('retry-after') !== undefined) this.#shedWithRetryAfter++;
    }
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

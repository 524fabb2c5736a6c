// Test helper: a Flow that records what is sent on it. `isOpen`, `reliable` and whether `send`
// succeeds are settable, so tests can stage transport failures without a socket.

import type { Endpoint, Flow, Side, TransportProtocol } from '../../src/transport/flow.js';

export interface RecordingFlowOptions {
  readonly protocol?: TransportProtocol;
  readonly side?: Side;
  readonly remote?: Endpoint;
  readonly peerIdentity?: readonly string[];
}

let nextId = 0;

export class RecordingFlow implements Flow {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly side: Side;
  readonly local: Endpoint = { address: '192.0.2.1', port: 5060 };
  readonly remote: Endpoint;
  readonly peerIdentity: readonly string[] | undefined;
  reliable: boolean;
  isOpen = true;
  /** When false, `send` refuses (a full send queue). */
  accepting = true;
  /** Every buffer `send` accepted, in order. */
  readonly sent: Buffer[] = [];
  refs = 0;
  closeReason: string | undefined;

  constructor(options: RecordingFlowOptions = {}) {
    this.id = `recording-${++nextId}`;
    this.protocol = options.protocol ?? 'udp';
    this.reliable = this.protocol !== 'udp';
    this.side = options.side ?? 'external';
    this.remote = options.remote ?? { address: '198.51.100.7', port: 5060 };
    this.peerIdentity = options.peerIdentity;
  }

  send(bytes: Buffer): boolean {
    if (!this.isOpen || !this.accepting) return false;
    this.sent.push(bytes);
    return true;
  }

  ref(): void {
    this.refs++;
  }

  unref(): void {
    this.refs--;
  }

  close(reason: string): void {
    this.isOpen = false;
    this.closeReason = reason;
  }

  /** The sent messages as text (latin1). */
  get sentText(): string[] {
    return this.sent.map((b) => b.toString('latin1'));
  }

  /** The start line of every sent message. */
  get sentStartLines(): string[] {
    return this.sentText.map((t) => t.slice(0, t.indexOf('\r\n')));
  }
}

// A packet capture around a test, to check on the wire what the edge sent and where (B1, B3):
// tcpdump (Debian `tcpdump`, as root) writes every packet the capture filter passes on all
// interfaces to a pcap file, and tshark (Debian `tshark`) reads it back afterwards. Loopback packets
// appear once on `any`, so counts are the packets sent. Stopped by its PID.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianPackages, requireProgram } from './apt.js';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface CapturedPacket {
  /** Epoch milliseconds, on the same clock as Date.now(). */
  readonly time: number;
  readonly protocol: 'udp' | 'tcp';
  readonly source: Endpoint;
  readonly destination: Endpoint;
  /** The UDP or TCP payload (empty for a bare TCP segment). */
  readonly payload: Buffer;
  /** The name a DNS query asked for (queries only, not answers). */
  readonly dnsQuery: string | undefined;
}

const FIELDS = [
  'frame.protocols',
  'frame.time_epoch',
  'ip.src',
  'ipv6.src',
  'ip.dst',
  'ipv6.dst',
  'udp.srcport',
  'udp.dstport',
  'tcp.srcport',
  'tcp.dstport',
  'udp.payload',
  'tcp.payload',
  'dns.qry.name',
  'dns.flags.response',
] as const;

/**
 * tcpdump writing every packet `filter` passes on all interfaces to `file`, run after `prefix` (e.g.
 * `ip netns exec <ns>`). -U and --immediate-mode: each packet is written as it arrives; without
 * immediate mode, packets of `-i any` can sit in a half-filled ring block and be lost at the stop.
 */
export class Tcpdump {
  readonly file: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #stderr = '';

  private constructor(child: ChildProcess, file: string) {
    this.#child = child;
    this.file = file;
    child.stderr?.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString('utf8')));
    this.#exited = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /** Resolves once tcpdump says it is listening. */
  static async start(options: {
    readonly file: string;
    readonly filter: string;
    readonly prefix?: readonly string[];
    readonly args?: readonly string[];
  }): Promise<Tcpdump> {
    const command = [
      ...(options.prefix ?? []),
      requireProgram('tcpdump'),
      '-i',
      'any',
      '-n',
      '-U',
      '--immediate-mode',
      ...(options.args ?? ['-s', '0']),
      '-w',
      options.file,
      options.filter,
    ];
    const tcpdump = new Tcpdump(
      spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] }),
      options.file,
    );
    const deadline = Date.now() + 10_000;
    let exited = false;
    void tcpdump.#exited.then(() => (exited = true));
    while (!tcpdump.#stderr.includes('listening on')) {
      if (exited || Date.now() > deadline) throw new Error(`tcpdump did not start capturing: ${tcpdump.#stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return tcpdump;
  }

  /** Stops it (SIGINT flushes the file; SIGKILL after 5 s). */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGINT');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

export class PacketCapture {
  readonly #tcpdump: Tcpdump;

  private constructor(tcpdump: Tcpdump) {
    this.#tcpdump = tcpdump;
  }

  get file(): string {
    return this.#tcpdump.file;
  }

  /** Starts tcpdump with a BPF `filter` and resolves once it is capturing. */
  static async start(options: {
    readonly workDir: string;
    readonly name: string;
    readonly filter: string;
  }): Promise<PacketCapture> {
    await ensureDebianPackages(['tcpdump', 'tshark']);
    return new PacketCapture(
      await Tcpdump.start({ file: path.join(options.workDir, `${options.name}.pcap`), filter: options.filter }),
    );
  }

  /** Stops tcpdump and reads back every packet it wrote. */
  async stop(): Promise<CapturedPacket[]> {
    await this.#tcpdump.stop();
    return readCapture(this.file);
  }
}

/** Every UDP and TCP packet of a pcap file, through tshark's dissectors (DNS names included). */
export async function readCapture(file: string): Promise<CapturedPacket[]> {
  const { stdout } = await promisify(execFile)(
    requireProgram('tshark'),
    [
      // TLS and SIP stay undissected so every payload is read as the raw bytes on the wire (a dissector
      // that claims a segment would otherwise leave tcp.payload empty).
      '-r',
      file,
      '-n',
      '--disable-protocol',
      'tls',
      '--disable-protocol',
      'sip',
      '-T',
      'fields',
      '-E',
      'separator=/t',
      '-E',
      'occurrence=f',
      ...FIELDS.flatMap((f) => ['-e', f]),
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const [
        protocols,
        time,
        ip4Src,
        ip6Src,
        ip4Dst,
        ip6Dst,
        udpSrc,
        udpDst,
        tcpSrc,
        tcpDst,
        udpPayload,
        tcpPayload,
        dnsName,
        dnsResponse,
      ] = line.split('\t');
      // An ICMP error quotes the packet it answers; its UDP or TCP fields are that packet's, not a new one.
      if (/(^|:)icmp(v6)?(:|$)/.test(protocols ?? '')) return [];
      const protocol =
        udpSrc !== '' && udpSrc !== undefined ? 'udp' : tcpSrc !== '' && tcpSrc !== undefined ? 'tcp' : undefined;
      if (protocol === undefined) return [];
      return [
        {
          time: Number(time) * 1000,
          protocol,
          source: { address: ip4Src || ip6Src || '', port: Number(protocol === 'udp' ? udpSrc : tcpSrc) },
          destination: { address: ip4Dst || ip6Dst || '', port: Number(protocol === 'udp' ? udpDst : tcpDst) },
          payload: Buffer.from((protocol === 'udp' ? udpPayload : tcpPayload) ?? '', 'hex'),
          dnsQuery: dnsName !== '' && dnsName !== undefined && dnsResponse === '0' ? dnsName : undefined,
        } satisfies CapturedPacket,
      ];
    });
}

/** A TLS record header (RFC 8446 §5.1: content type 20–23, legacy version 3.x). */
export function isTlsRecord(payload: Buffer): boolean {
  return payload.length >= 5 && payload[0]! >= 20 && payload[0]! <= 23 && payload[1] === 3;
}

/** The start line when the payload begins like a SIP message in plain text, else undefined. */
export function plaintextSipStartLine(payload: Buffer): string | undefined {
  const head = payload.subarray(0, 512).toString('latin1');
  const line = head.slice(0, Math.max(0, head.indexOf('\r\n')));
  return /^(SIP\/2\.0 \d{3}|[A-Za-z!%'*+.`~_-]+ \S+ SIP\/2\.0$)/.test(line) ? line : undefined;
}

// A network namespace of the test's own for the edge under attack, so that everything the edge sends
// can be captured from outside the process and told apart from every other test on this machine:
//
//   root namespace (the test: clients, peer edge, bind9)        namespace (the edge alone)
//   world 10.213.X.Y+1 ──────────── veth ────────────────────── edge 10.213.X.Y+2
//                                                                lo (127/8: hosts a message names)
//                                                                sink0 ⇄ sink1: the default route
//
// The default route inside ends in a veth pair with nothing behind it (ARP off): a packet the edge
// sends to any host beyond the world address (the system resolver, a public or private address a
// message named) is transmitted on sink0, where the capture sees it, and then dropped. Nothing the
// edge does can reach past this machine, however wrong it is. The system resolver inside is
// 127.0.0.53, where nothing listens: a lookup through it (rather than the configured resolvers) is
// refused at once instead of stalling Node's thread pool, and the capture still sees the query.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The namespace's system resolver: a loopback address with nothing behind it. */
export const SYSTEM_RESOLVER = '127.0.0.53';
const SYSTEM_RESOLVER_LINE = `nameserver ${SYSTEM_RESOLVER}`;

export interface NamespaceInterfaces {
  /** The namespace's end of the link to the world. */
  readonly link: string;
  /** The sink the default route points at. */
  readonly sink: string;
}

export class NetworkNamespace {
  readonly name: string;
  /** The test's address on the link (clients, the peer edge, the resolver listen here). */
  readonly worldAddress: string;
  /** The edge's address inside the namespace. */
  readonly edgeAddress: string;
  readonly interfaces: NamespaceInterfaces;
  readonly #rootLink: string;

  private constructor(tag: string, subnet: { third: number; fourth: number }) {
    this.name = `se-adv-${tag}`;
    this.#rootLink = `sea${tag}`;
    this.interfaces = { link: `seb${tag}`, sink: 'sink0' };
    this.worldAddress = `10.213.${subnet.third}.${subnet.fourth + 1}`;
    this.edgeAddress = `10.213.${subnet.third}.${subnet.fourth + 2}`;
  }

  /** Creates the namespace, its link and its sink; needs root (CI and these machines run as root). */
  static async create(): Promise<NetworkNamespace> {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new Error('the adversarial tests need root: they run the edge in a network namespace of their own');
    }
    const subnet = unusedSubnet();
    const ns = new NetworkNamespace(randomBytes(3).toString('hex'), subnet);
    try {
      await ns.#setUp();
    } catch (error) {
      await ns.destroy();
      throw error;
    }
    return ns;
  }

  /** Runs a command inside the namespace. */
  exec(program: string, args: readonly string[]): Promise<{ stdout: string }> {
    return run('ip', ['netns', 'exec', this.name, program, ...args]);
  }

  /** Interface index → name inside the namespace (the capture names interfaces by index). */
  async interfaceIndexes(): Promise<Map<number, string>> {
    const { stdout } = await run('ip', ['-n', this.name, '-o', 'link']);
    const indexes = new Map<number, string>();
    for (const line of stdout.split('\n')) {
      const match = /^(\d+):\s+([^:@\s]+)/.exec(line);
      if (match !== null) indexes.set(Number(match[1]), match[2]!);
    }
    return indexes;
  }

  /** Removes the namespace; its interfaces (and the root end of the link) go with it. */
  async destroy(): Promise<void> {
    await run('ip', ['netns', 'delete', this.name]).catch(() => undefined);
    rmSync(`/etc/netns/${this.name}`, { recursive: true, force: true });
    await run('ip', ['link', 'delete', this.#rootLink]).catch(() => undefined);
  }

  async #setUp(): Promise<void> {
    const prefix = `${this.worldAddress}/30`;
    const inside = (...args: string[]) => run('ip', ['-n', this.name, ...args]);
    await run('ip', ['netns', 'add', this.name]);
    // `ip netns exec` mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf for what it runs.
    mkdirSync(`/etc/netns/${this.name}`, { recursive: true });
    writeFileSync(`/etc/netns/${this.name}/resolv.conf`, `${SYSTEM_RESOLVER_LINE}\noptions timeout:1 attempts:1\n`);
    await run('ip', ['link', 'add', this.#rootLink, 'type', 'veth', 'peer', 'name', this.interfaces.link]);
    await run('ip', ['link', 'set', this.interfaces.link, 'netns', this.name]);
    await run('ip', ['addr', 'add', prefix, 'dev', this.#rootLink]);
    await run('ip', ['link', 'set', this.#rootLink, 'up']);
    await inside('addr', 'add', `${this.edgeAddress}/30`, 'dev', this.interfaces.link);
    await inside('link', 'set', this.interfaces.link, 'up');
    await inside('link', 'set', 'lo', 'up');
    await inside('link', 'add', 'sink0', 'type', 'veth', 'peer', 'name', 'sink1');
    await inside('link', 'set', 'sink0', 'arp', 'off', 'up');
    await inside('link', 'set', 'sink1', 'up');
    await inside('route', 'add', 'default', 'dev', 'sink0');
  }
}

/** A /30 under 10.213.0.0/16 that no interface of the root namespace has yet. */
function unusedSubnet(): { third: number; fourth: number } {
  const routes = readFileSync('/proc/net/route', 'utf8');
  for (let tries = 0; tries < 50; tries++) {
    const third = Math.floor(Math.random() * 256);
    const fourth = Math.floor(Math.random() * 64) * 4;
    // /proc/net/route shows destinations as little-endian hex: 10.213.X.Y → YYXXD50A.
    const hex = [fourth, third, 213, 10]
      .map((n) => n.toString(16).padStart(2, '0'))
      .join('')
      .toUpperCase();
    if (!routes.includes(hex)) return { third, fourth };
  }
  throw new Error('no free /30 under 10.213.0.0/16');
}

// The system resolver of one process, made its own: `unshare -m` gives the process a mount namespace
// in which /etc/resolv.conf is a file naming a loopback address no other program uses. Every query
// its getaddrinfo() sends then goes to that address, so a packet capture can tell the edge's DNS
// queries from those of every other program on the machine (tests running side by side included).
// Needs root (as the capture does); nothing listens there, so each lookup fails at once.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireProgram } from './apt.js';

export interface PrivateResolver {
  /** The loopback address the process's DNS queries go to (port 53). */
  readonly address: string;
  /** The command prefix that runs a program with it. */
  readonly wrapper: readonly string[];
}

export function privateResolver(workDir: string): PrivateResolver {
  // 127.53.x.y: inside 127/8, away from the 127.0.0.x addresses local resolvers use.
  const address = `127.53.${1 + Math.floor(Math.random() * 254)}.${1 + Math.floor(Math.random() * 254)}`;
  const file = path.join(workDir, 'resolv.conf');
  writeFileSync(file, `nameserver ${address}\noptions attempts:1 timeout:1\n`);
  const script = `mount --bind "$0" /etc/resolv.conf && exec "$@"`;
  return { address, wrapper: [requireProgram('unshare'), '--mount', 'sh', '-c', script, file] };
}

// Tags, branches and Call-IDs the edge generates. A random per-process prefix and a counter keep them
// unique (RFC 3261 §19.3 asks for global uniqueness and 32 bits of randomness) without a
// crypto call per message.

import { randomBytes } from 'node:crypto';
import { BRANCH_MAGIC_COOKIE } from './via.js';

const prefix = randomBytes(6).toString('base64url');
let counter = Math.floor(Math.random() * 0x7fffffff);

function nextToken(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return prefix + counter.toString(36);
}

export function newTag(): string {
  return nextToken();
}

export function newBranch(): string {
  return BRANCH_MAGIC_COOKIE + nextToken();
}

export function newCallId(host: string): string {
  return `${nextToken()}@${host}`;
}

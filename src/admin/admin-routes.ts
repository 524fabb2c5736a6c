// The admin API (SPEC O3, X3, Y2, P4): JSON over HTTP. Addresses in paths are URL-encoded URIs or
// user@host and are keyed by their address-of-record, as the rules key the store (docs/POLICY.md).
// Every route is a small function from a parsed request to a reply; the server does the I/O.

import { isEdgeError } from '../errors.js';
import { parseAddress } from '../policy/address-of-record.js';
import type { TombstoneRecord } from '../policy/rules/tombstone.js';
import { KEY_PREFIXES, storeKey, type KeyKind } from '../policy/store-keys.js';
import type { ListEntry } from '../state/state-store.js';
import type { AdminBackend } from './admin-backend.js';

export interface AdminRequest {
  readonly method: string;
  /** Path segments after /admin/, decoded. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  /** Parsed JSON body; undefined when there was none. */
  readonly body: unknown;
}

export interface AdminReply {
  readonly status: number;
  readonly body: unknown;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const ok = (body: unknown): AdminReply => ({ status: 200, body });
const problem = (status: number, error: string): AdminReply => ({ status, body: { error } });

export async function routeAdmin(request: AdminRequest, backend: AdminBackend): Promise<AdminReply> {
  const [collection, item, ...rest] = request.segments;
  if (rest.length > 0) return problem(404, 'no such admin resource');
  try {
    switch (collection) {
      case 'cache604':
        return await storeCollection(request, backend, 'cached604', item);
      case 'tombstones':
        return await tombstones(request, backend, item);
      case 'peers':
        return request.method === 'GET' && item === undefined ? ok({ peers: backend.peers() }) : notAllowed();
      case 'flows':
        return flows(request, backend, item);
      case 'log-level':
        return logLevel(request, backend);
      default:
        return problem(404, 'no such admin resource');
    }
  } catch (error) {
    if (isEdgeError(error) && error.code === 'CONFIG_INVALID') return problem(400, error.message);
    throw error;
  }
}

function notAllowed(): AdminReply {
  return problem(405, 'method not allowed on this resource');
}

/** GET lists (with ?after= and ?limit= paging), GET /x inspects, DELETE /x purges. */
async function storeCollection(request: AdminRequest, backend: AdminBackend, kind: KeyKind, item: string | undefined): Promise<AdminReply> {
  if (item === undefined) {
    if (request.method !== 'GET') return notAllowed();
    return ok({ entries: await listUnder(request, backend, KEY_PREFIXES[kind]) });
  }
  const key = storeKey(kind, parseAddress(item));
  if (request.method === 'GET') {
    const value = await backend.store.get(key);
    return value === undefined ? problem(404, 'no entry for that address') : ok({ key, value });
  }
  if (request.method === 'DELETE') {
    return (await backend.store.delete(key)) ? ok({ deleted: key }) : problem(404, 'no entry for that address');
  }
  return notAllowed();
}

async function listUnder(request: AdminRequest, backend: AdminBackend, prefix: string): Promise<Array<ListEntry<unknown>>> {
  const limit = request.query.get('limit');
  const after = request.query.get('after');
  return backend.store.list(prefix, {
    ...(limit === null ? {} : { limit: Number(limit) }),
    ...(after === null ? {} : { after: prefix + parseAddress(after) }),
  });
}

/** POST {address} removes a user (Y2 tombstone + X3 terminating NOTIFYs); the rest as for the 604 cache. */
async function tombstones(request: AdminRequest, backend: AdminBackend, item: string | undefined): Promise<AdminReply> {
  if (item !== undefined || request.method !== 'POST') return storeCollection(request, backend, 'tombstone', item);
  const address = (request.body as { address?: unknown } | undefined)?.address;
  if (typeof address !== 'string') return problem(400, 'the body must be {"address": "sip:user@domain"}');
  const removal = await backend.removeUser(address);
  const record = await backend.store.get<TombstoneRecord>(storeKey('tombstone', removal.address));
  return { status: 201, body: { ...removal, tombstone: record } };
}

function flows(request: AdminRequest, backend: AdminBackend, item: string | undefined): AdminReply {
  if (item === undefined) return request.method === 'GET' ? ok({ flows: backend.flows() }) : notAllowed();
  if (request.method !== 'DELETE') return notAllowed();
  return backend.closeFlow(item) ? ok({ closed: item }) : problem(404, 'no open flow with that id');
}

function logLevel(request: AdminRequest, backend: AdminBackend): AdminReply {
  if (request.method === 'GET') return ok({ level: backend.logLevel });
  if (request.method !== 'PUT') return notAllowed();
  const level = (request.body as { level?: unknown } | undefined)?.level;
  if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level)) {
    return problem(400, `the body must be {"level": one of ${LOG_LEVELS.join(', ')}}`);
  }
  backend.logLevel = level;
  return ok({ level });
}

// The admin API (SPEC O3, X3, Y2, P4): JSON over HTTP. Addresses in paths are URL-encoded URIs or
// user@host and are keyed by their address-of-record, as the rules key the store (docs/POLICY.md).
// Every route is a small function from a parsed request to a reply; the server does the I/O.

import { isEdgeError } from '../errors.js';
import { parseAddress } from '../sip/address-of-record.js';
import type { TombstoneRecord } from '../state/tombstones.js';
import { KEY_PREFIXES, storeKey, type KeyKind } from '../state/store-keys.js';
import { MAX_LIST_LIMIT } from '../state/state-arguments.js';
import { isStateError } from '../state/state-error.js';
import type { ListOptions } from '../state/state-store.js';
import type { AdminBackend } from './admin-backend.js';
import { problem, type AdminReply } from './admin-reply.js';

export interface AdminRequest {
  readonly method: string;
  /** Path segments after /admin/, decoded. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  /** Parsed JSON body; undefined when there was none. */
  readonly body: unknown;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const ok = (body: unknown): AdminReply => ({ status: 200, body });

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
    // O3: what the caller wrote is answered 400, a store that does not answer 503; only bugs reach 500.
    if (isEdgeError(error) && error.code === 'CONFIG_INVALID')
      return problem(400, error.message, { parameter: 'address', allowed: 'sip:user@host or user@host' });
    if (isStateError(error) && error.code === 'STATE_ARGUMENT_INVALID') return problem(400, error.message);
    if (isStateError(error) && (error.code === 'STATE_UNAVAILABLE' || error.code === 'STATE_CLOSED'))
      return problem(503, `the store is not answering: ${error.message}`);
    throw error;
  }
}

function notAllowed(): AdminReply {
  return problem(405, 'method not allowed on this resource');
}

/** GET lists (with ?after= and ?limit= paging), GET /x inspects, DELETE /x purges. */
async function storeCollection(
  request: AdminRequest,
  backend: AdminBackend,
  kind: KeyKind,
  item: string | undefined,
): Promise<AdminReply> {
  if (item === undefined) {
    if (request.method !== 'GET') return notAllowed();
    const prefix = KEY_PREFIXES[kind];
    const page = pageOptions(request.query, prefix);
    return 'status' in page ? page : ok({ entries: await backend.store.list(prefix, page) });
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

/** ?limit= (a whole number 1..1000) and ?after= (an address); anything else is a 400 naming the parameter. */
function pageOptions(query: URLSearchParams, prefix: string): ListOptions | AdminReply {
  const limit = query.get('limit');
  const after = query.get('after');
  if (limit !== null && (!/^[0-9]{1,7}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIST_LIMIT)) {
    return problem(
      400,
      `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got ${JSON.stringify(limit.slice(0, 40))}`,
      { parameter: 'limit', allowed: `1..${MAX_LIST_LIMIT}` },
    );
  }
  let afterKey: string | undefined;
  if (after !== null) {
    try {
      afterKey = prefix + parseAddress(after);
    } catch {
      return problem(400, 'after must be an address: the last one of the previous page', {
        parameter: 'after',
        allowed: 'sip:user@host or user@host',
      });
    }
  }
  return {
    ...(limit === null ? {} : { limit: Number(limit) }),
    ...(afterKey === undefined ? {} : { after: afterKey }),
  };
}

/** POST {address} removes a user (Y2 tombstone + X3 terminating NOTIFYs); the rest as for the 604 cache. */
async function tombstones(request: AdminRequest, backend: AdminBackend, item: string | undefined): Promise<AdminReply> {
  if (item !== undefined || request.method !== 'POST') return storeCollection(request, backend, 'tombstone', item);
  const address = (request.body as { address?: unknown } | undefined)?.address;
  if (typeof address !== 'string')
    return problem(400, 'the body must be {"address": "sip:user@domain"}', {
      parameter: 'address',
      allowed: 'sip:user@domain',
    });
  const foreign = foreignAddress(parseAddress(address), backend.servedDomains);
  if (foreign !== undefined) return foreign;
  const removal = await backend.removeUser(address);
  const record = await backend.store.get<TombstoneRecord>(storeKey('tombstone', removal.address));
  return { status: 201, body: { ...removal, tombstone: record } };
}

/**
 * Y2: only an address of this community can be removed from it. A tombstone for another domain's user
 * would refuse nobody here and only grow the store, so it is refused, naming what is allowed.
 */
function foreignAddress(aor: string, served: readonly string[]): AdminReply | undefined {
  const match = /^sip:([^@]+)@(.+)$/.exec(aor);
  const allowed = served.map((domain) => `user@${domain}`);
  if (match === null)
    return problem(400, `${aor} names no user: a tombstone is for sip:user@domain`, { parameter: 'address', allowed });
  if (served.includes(match[2]!)) return undefined;
  return problem(422, `${match[2]} is not a domain this edge serves (${served.join(', ')})`, {
    parameter: 'address',
    allowed,
  });
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

// Lua for the Redis backend's read-modify-write operations. Redis runs a script without interleaving
// any other command, so two edge instances taking from one token bucket cannot both take its last
// token (O7). Each script touches exactly one key, which also keeps them valid on Redis Cluster.
//
// How values are kept (the memory and SQLite backends hold the same things):
//   record, counter  a string: `{"k":"r"|"c","x":<expiresAt or null>,"v":<JSON value>}`
//   token bucket     a hash: k=b, t=tokens, u=updatedAt; native TTL = time until the bucket is full
//   set              a hash: k=s, x=expiresAt, one field `m:<member>` per member
// Expiry is decided with the caller's wall clock (`x`, ARGV now), as in the other backends, and backed
// by a native PX TTL so that Redis itself drops what expired. The native TTL is relative, measured by
// Redis, so clock skew between an edge host and the Redis host delays that purge at most by the skew.

/** Shared prelude: the kind of the live value at a key ('none' when absent or expired). */
const LIVE_KIND = `
local function live_kind(key, now)
  local t = redis.call('TYPE', key).ok
  if t == 'none' then return 'none' end
  if t == 'string' then
    local ok, e = pcall(cjson.decode, redis.call('GET', key))
    if not ok or type(e) ~= 'table' or e.k == nil then return 'foreign' end
    if e.x ~= cjson.null and e.x <= now then return 'none' end
    return e.k, e
  end
  if t == 'hash' then
    local f = redis.call('HMGET', key, 'k', 'x')
    if f[1] == false then return 'foreign' end
    if f[2] and tonumber(f[2]) <= now then return 'none' end
    return f[1]
  end
  return 'foreign'
end
local function wrong_kind(kind)
  return redis.error_reply('STATE_WRONG_KIND ' .. kind)
end
`;

/** KEYS[1]; ARGV now, by, ttlMs. Fixed window: the TTL is set when the counter is created, then kept. */
export const INCREMENT_SCRIPT = `${LIVE_KIND}
local key, now, by, ttl = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local kind, e = live_kind(key, now)
if kind == 'none' then
  local value = by
  redis.call('SET', key, string.format('{"k":"c","x":%.0f,"v":%.0f}', now + ttl, value), 'PX', ttl)
  return value
end
if kind ~= 'c' then return wrong_kind(kind) end
local value = e.v + by
redis.call('SET', key, string.format('{"k":"c","x":%.0f,"v":%.0f}', e.x, value), 'KEEPTTL')
return value
`;

/** KEYS[1]; ARGV now, capacity, refillPerSecond, cost. The arithmetic of token-bucket.ts, step for step. */
export const TAKE_TOKEN_SCRIPT = `${LIVE_KIND}
local key = KEYS[1]
local now, capacity, refill, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local kind = live_kind(key, now)
local tokens, updated = capacity, now
if kind == 'b' then
  local f = redis.call('HMGET', key, 't', 'u')
  tokens, updated = tonumber(f[1]), tonumber(f[2])
elseif kind == 'none' then
  redis.call('DEL', key)
else
  return wrong_kind(kind)
end
tokens = math.min(capacity, tokens + math.max(0, now - updated) * refill / 1000)
local function ms_until(missing)
  return math.max(1, math.ceil(missing * 1000 / refill - 1e-6))
end
local allowed, retry = 0, 0
if tokens + 1e-9 >= cost then
  tokens = math.max(0, tokens - cost)
  allowed = 1
else
  retry = ms_until(cost - tokens)
end
local full_in = ms_until(capacity - tokens)
redis.call('HSET', key, 'k', 'b', 't', string.format('%.17g', tokens), 'u', string.format('%.0f', now))
redis.call('PEXPIRE', key, string.format('%.0f', full_in))
return {allowed, math.floor(tokens + 1e-9), retry}
`;

/** KEYS[1]; ARGV member, now, ttlMs, maxMembers (0: no cap). Returns the size after adding. */
export const ADD_TO_SET_SCRIPT = `${LIVE_KIND}
local key, member = KEYS[1], 'm:' .. ARGV[1]
local now, ttl, max = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local kind = live_kind(key, now)
if kind == 'none' then
  redis.call('DEL', key)
  redis.call('HSET', key, 'k', 's', 'x', string.format('%.0f', now + ttl))
  redis.call('PEXPIRE', key, ttl)
elseif kind ~= 's' then
  return wrong_kind(kind)
end
local size = redis.call('HLEN', key) - 2
if redis.call('HEXISTS', key, member) == 1 then return size end
if max > 0 and size >= max then return max + 1 end
redis.call('HSET', key, member, '1')
return size + 1
`;

/** KEYS[1]; ARGV now. Deletes whatever the key holds; 1 when it was live, 0 when absent or expired. */
export const DELETE_SCRIPT = `${LIVE_KIND}
local kind = live_kind(KEYS[1], tonumber(ARGV[1]))
redis.call('DEL', KEYS[1])
if kind == 'none' then return 0 end
return 1
`;

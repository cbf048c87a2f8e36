/**
 * Lua for the RedisPresenceStore operations that must be atomic (a script runs alone on
 * the server). Keys (prefix P = `<namespace>:presence`):
 *   P:u:<user>  hash  session -> gateway   (the user is online while it exists)
 *   P:g:<gw>    hash  session -> user      (what to remove when the gateway dies)
 *   P:gws       zset  gateway -> liveness deadline (ms, server clock)
 *   P:seen      hash  user -> lastSeen (ms, server clock)
 *   P:init      string, the initialization marker (its absence means the state was lost)
 *   P:log       stream of transitions (t = on|off, u = user), written by the script that
 *               decides each one, drained into the event log (transition-log.ts)
 * removeGateway derives user keys from the gateway hash inside the script, which is fine
 * on one Redis (or a primary with replicas) but not on Redis Cluster.
 */

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Records a transition in the stream at KEYS[k]. Capped (approximately) so an event log that
 * stays unreachable for days cannot fill Redis: past the cap the oldest undrained go.
 */
const RECORD = `local function record(k, kind, user)
  redis.call('XADD', KEYS[k], 'MAXLEN', '~', '1000000', '*', 't', kind, 'u', user)
end
`;

/**
 * KEYS: gw hash, gws zset, log stream, then one user hash per session.
 * ARGV: gw, ttlMs, then session, user per session.
 * Returns the users that came online.
 */
export const CONNECT = `${NOW}${RECORD}
local gw = ARGV[1]
local online = {}
for i = 4, #KEYS do
  local session = ARGV[2 * (i - 3) + 1]
  local user = ARGV[2 * (i - 3) + 2]
  if redis.call('EXISTS', KEYS[i]) == 0 then
    online[#online + 1] = user
    record(3, 'on', user)
  end
  redis.call('HSET', KEYS[i], session, gw)
  redis.call('HSET', KEYS[1], session, user)
end
redis.call('ZADD', KEYS[2], 'GT', now + tonumber(ARGV[2]), gw)
return online`;

/**
 * KEYS: gw hash, seen hash, log stream, then one user hash per session.
 * ARGV: gw, then session, user per session.
 * Returns user, lastSeen pairs (flat) for users whose last session went away.
 */
export const DISCONNECT = `${NOW}${RECORD}
local gw = ARGV[1]
local out = {}
for i = 4, #KEYS do
  local session = ARGV[2 * (i - 3)]
  local user = ARGV[2 * (i - 3) + 1]
  if redis.call('HGET', KEYS[1], session) == user then redis.call('HDEL', KEYS[1], session) end
  if redis.call('HGET', KEYS[i], session) == gw then
    redis.call('HDEL', KEYS[i], session)
    if redis.call('EXISTS', KEYS[i]) == 0 then
      redis.call('HSET', KEYS[2], user, now)
      record(3, 'off', user)
      out[#out + 1] = user
      out[#out + 1] = now
    end
  end
end
return out`;

/** KEYS: gws zset, gw hash. ARGV: gw, ttlMs. Returns the gateway's session count. */
export const HEARTBEAT = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('HLEN', KEYS[2])`;

/** KEYS: gws zset. ARGV: max count. Returns gateways whose deadline has passed. */
export const EXPIRED = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))`;

/**
 * KEYS: gw hash, gws zset, seen hash, log stream. ARGV: gw, ifExpired ('1' or '0'), user key prefix.
 * Returns user, lastSeen pairs (flat) for users whose last session went away.
 */
export const REMOVE_GATEWAY = `${NOW}${RECORD}
local gw = ARGV[1]
if ARGV[2] == '1' then
  local deadline = redis.call('ZSCORE', KEYS[2], gw)
  if deadline and tonumber(deadline) > now then return {} end
end
local out = {}
local sessions = redis.call('HGETALL', KEYS[1])
for i = 1, #sessions, 2 do
  local session = sessions[i]
  local user = sessions[i + 1]
  local ukey = ARGV[3] .. user
  if redis.call('HGET', ukey, session) == gw then
    redis.call('HDEL', ukey, session)
    if redis.call('EXISTS', ukey) == 0 then
      redis.call('HSET', KEYS[3], user, now)
      record(4, 'off', user)
      out[#out + 1] = user
      out[#out + 1] = now
    end
  end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], gw)
return out`;

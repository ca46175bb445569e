/**
 * Records a sequenced message in the capped events stream and publishes it with the stream id as `pos`,
 * atomically: every instance then sees the same message at the same stream position, and the stream is in
 * exactly the order the channels carried (a script runs alone on the Redis thread).
 *
 * KEYS[1] the events stream; ARGV[1] the channel prefix, ARGV[2] the channel (`room:x`), ARGV[3] the wire
 * JSON (ends with `}`; the stream keeps it without `pos`, which is the entry's own id), ARGV[4] MAXLEN,
 * ARGV[5] a once-key ('' for none) and ARGV[6] its lifetime in ms: with a key, the message is published only
 * if the key was not set yet, in the same atomic step, so two instances racing to publish it publish it once.
 *
 * A room dispatch to log also names KEYS[2] the room's head hash and KEYS[3] its log stream, with ARGV[7] an
 * epoch for a room without one, ARGV[8] the log's MAXLEN, ARGV[9] the time (ms, the gateway's clock), ARGV[10]
 * the log's lifetime after its last entry and ARGV[11] the head's: the dispatch takes the room's next offset,
 * goes into its log, and carries `"log":{"epoch","offset"}` to every instance and into the events stream.
 */
export const PUBLISH_SEQUENCED_LUA = `
if ARGV[5] ~= '' and not redis.call('SET', ARGV[5], '1', 'NX', 'PX', ARGV[6]) then
  return false
end
local wire = ARGV[3]
if #KEYS == 3 then
  -- A new epoch starts the log afresh: offsets count from 1 again, below the ids a stale log would hold.
  if redis.call('HSETNX', KEYS[2], 'epoch', ARGV[7]) == 1 then redis.call('DEL', KEYS[3]) end
  local epoch = redis.call('HGET', KEYS[2], 'epoch')
  local offset = redis.call('HINCRBY', KEYS[2], 'head', 1)
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], offset .. '-0', 't', ARGV[9], 'm', ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[10])
  redis.call('PEXPIRE', KEYS[2], ARGV[11])
  wire = string.sub(wire, 1, -2) .. ',"log":{"epoch":"' .. epoch .. '","offset":' .. offset .. '}}'
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'channel', ARGV[2], 'message', wire)
redis.call('PUBLISH', ARGV[1] .. ARGV[2], string.sub(wire, 1, -2) .. ',"pos":"' .. id .. '"}')
return id
`;

/**
 * A room log's position, and its dispatches after an offset (the newest `ARGV[3]` of them), read in one step;
 * a room without a head gets one (an epoch at offset 0), as publishing would make it.
 *
 * KEYS[1] the room's head hash, KEYS[2] its log; ARGV[1] an epoch for a room without one, ARGV[2] the offset
 * after which to read (-1: none, the position alone), ARGV[3] the most entries, ARGV[4] the head's lifetime.
 * Returns { epoch, head, first kept offset or false, entries newest first as XREVRANGE gives them }.
 */
export const READ_ROOM_LOG_LUA = `
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'head', 0)
  redis.call('DEL', KEYS[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local head = redis.call('HMGET', KEYS[1], 'epoch', 'head')
local after = tonumber(ARGV[2])
local entries = {}
local first = false
if after >= 0 and after < tonumber(head[2]) then
  entries = redis.call('XREVRANGE', KEYS[2], '+', '(' .. after .. '-0', 'COUNT', ARGV[3])
  local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
  if oldest[1] then first = oldest[1][1] end
end
return { head[1], head[2], first, entries }
`;

/** How long to wait before reconnect attempt `attempt` (1-based): doubling from 50 ms, capped, half jittered. */
export function reconnectDelayMs(attempt: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, 50 * 2 ** Math.min(attempt - 1, 16));
  return Math.round(base / 2 + (random() * base) / 2);
}

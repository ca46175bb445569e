/**
 * The Lua that numbers a room dispatch in the room's log, shared by both publish scripts: it takes the room's
 * next offset, goes into its log, and adds `"log":{"epoch","offset"}` to `wire`. A new epoch starts the log
 * afresh: offsets count from 1 again, below the ids a stale log would hold. `argv` is the index of the first of
 * five arguments: an epoch for a room without one, the log's MAXLEN, the time (ms), the log's lifetime after
 * its last entry and the head's.
 */
function appendToRoomLog(head: string, log: string, argv: number): string {
  const arg = (i: number) => `ARGV[${argv + i}]`;
  return `  if redis.call('HSETNX', ${head}, 'epoch', ${arg(0)}) == 1 then redis.call('DEL', ${log}) end
  local epoch = redis.call('HGET', ${head}, 'epoch')
  local offset = redis.call('HINCRBY', ${head}, 'head', 1)
  redis.call('XADD', ${log}, 'MAXLEN', '~', ${arg(1)}, offset .. '-0', 't', ${arg(2)}, 'm', wire)
  redis.call('PEXPIRE', ${log}, ${arg(3)})
  redis.call('PEXPIRE', ${head}, ${arg(4)})
  wire = string.sub(wire, 1, -2) .. ',"log":{"epoch":"' .. epoch .. '","offset":' .. offset .. '}}'`;
}

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
${appendToRoomLog('KEYS[2]', 'KEYS[3]', 7)}
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'channel', ARGV[2], 'message', wire)
redis.call('PUBLISH', ARGV[1] .. ARGV[2], string.sub(wire, 1, -2) .. ',"pos":"' .. id .. '"}')
return id
`;

/**
 * The publish without an events stream: on a Redis Cluster (one key on one node would carry every instance's
 * messages, the ceiling sharding removes), or on a single server told to keep none. The script touches only
 * the keys of the channel it publishes on, all in the channel's slot, and publishes there: SPUBLISH on a
 * cluster, which checks the channel against that slot too.
 *
 * KEYS: a room dispatch to log names the room's head hash and log stream first; a once-key (see
 * PUBLISH_SEQUENCED_LUA) comes last. ARGV[1] the channel's pub/sub name, ARGV[2] the wire JSON, ARGV[3] the
 * once-key's lifetime in ms ('' when there is none), ARGV[4] the publish command (PUBLISH or SPUBLISH), then
 * from ARGV[5] the room log's five arguments. Returns false when the once-key was taken (nothing published).
 */
export const PUBLISH_PER_CHANNEL_LUA = `
local once = ARGV[3] ~= ''
if once and not redis.call('SET', KEYS[#KEYS], '1', 'NX', 'PX', ARGV[3]) then
  return false
end
local wire = ARGV[2]
if #KEYS - (once and 1 or 0) == 2 then
${appendToRoomLog('KEYS[1]', 'KEYS[2]', 5)}
end
redis.call(ARGV[4], ARGV[1], wire)
return 1
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

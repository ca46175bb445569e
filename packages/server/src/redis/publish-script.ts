/**
 * Records a sequenced message in the capped events stream and publishes it with the stream id as `pos`,
 * atomically: every instance then sees the same message at the same stream position, and the stream is in
 * exactly the order the channels carried (a script runs alone on the Redis thread).
 *
 * KEYS[1] the events stream; ARGV[1] the channel prefix, ARGV[2] the channel (`room:x`), ARGV[3] the wire
 * JSON (ends with `}`; the stream keeps it without `pos`, which is the entry's own id), ARGV[4] MAXLEN,
 * ARGV[5] a once-key ('' for none) and ARGV[6] its lifetime in ms: with a key, the message is published only
 * if the key was not set yet, in the same atomic step, so two instances racing to publish it publish it once.
 */
export const PUBLISH_SEQUENCED_LUA = `
if ARGV[5] ~= '' and not redis.call('SET', ARGV[5], '1', 'NX', 'PX', ARGV[6]) then
  return false
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'channel', ARGV[2], 'message', ARGV[3])
redis.call('PUBLISH', ARGV[1] .. ARGV[2], string.sub(ARGV[3], 1, -2) .. ',"pos":"' .. id .. '"}')
return id
`;

/** How long to wait before reconnect attempt `attempt` (1-based): doubling from 50 ms, capped, half jittered. */
export function reconnectDelayMs(attempt: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, 50 * 2 ** Math.min(attempt - 1, 16));
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * Every key and channel name the gateway uses in Redis, in one place, all under the deployment's prefix
 * (default `gw:`), so deployments can share a Redis. docs/redis.md lists them with their types and lifetimes.
 */
export const DEFAULT_REDIS_PREFIX = 'gw:';

/** The pub/sub channel of a backplane channel (`room:x`, `user:x`, `all`, `presence`, `node:x`). */
export function channelKey(prefix: string, channel: string): string {
  return prefix + channel;
}

/**
 * The sharded pub/sub channel of a backplane channel on a Redis Cluster: `{prefix}{room:x}`. The braces make
 * the channel a hash tag, the same as the room's keys, so one script can number a dispatch and SPUBLISH it.
 */
export function shardChannelKey(prefix: string, channel: string): string {
  return `${prefix}{${channel}}`;
}

/**
 * On a Redis Cluster, `{prefix}{room:x}:once:{key}`: the once-key beside the channel it guards, so the publish
 * script touches one slot. (A single server keeps `onceKey`'s shorter name.)
 */
export function channelOnceKey(prefix: string, channel: string, key: string): string {
  return `${prefix}{${channel}}:once:${key}`;
}

/** `{prefix}events`: the capped stream of sequenced messages (fields `channel`, `message`). */
export function eventsKey(prefix: string): string {
  return `${prefix}events`;
}

/**
 * `{prefix}{room:{id}}:head`: hash, `epoch` and `head` (the last offset) of a room's log. The braces are a
 * Redis Cluster hash tag: every key of one room lands in one slot, so one script can write them together.
 */
export function roomHeadKey(prefix: string, roomId: string): string {
  return `${prefix}{room:${roomId}}:head`;
}

/** `{prefix}{room:{id}}:log`: stream of a room's recent dispatches, entry id `{offset}-0`, fields `t` and `m`. */
export function roomLogKey(prefix: string, roomId: string): string {
  return `${prefix}{room:${roomId}}:log`;
}

/** `{prefix}once:{key}`: set with the publish of a message that may go out only once (a chat message). */
export function onceKey(prefix: string, key: string): string {
  return `${prefix}once:${key}`;
}

/** `{prefix}dedup:{user_id}:{client_msg_id}`; the user id is percent-encoded so a `:` in it cannot collide. */
export function dedupKey(prefix: string, userId: string, clientMsgId: string): string {
  return `${prefix}dedup:${encodeURIComponent(userId)}:${clientMsgId}`;
}

/** `{prefix}history:{room_id}`: a list of JSON ChatMessages, oldest first. */
export function historyKey(prefix: string, roomId: string): string {
  return `${prefix}history:${roomId}`;
}

/** `{prefix}presence:{user}`: hash, one field per session (JSON device with `expires_at`). */
export function presenceKey(prefix: string, userId: string): string {
  return `${prefix}presence:${encodeURIComponent(userId)}`;
}

/** What `SCAN … MATCH` reads the presence snapshot by. */
export function presencePattern(prefix: string): string {
  return `${prefix}presence:*`;
}

/** `{prefix}node:{id}`: an instance's liveness key, with a TTL. */
export function nodeKey(prefix: string, node: string): string {
  return `${prefix}node:${node}`;
}

/** `{prefix}presence-sweeper`: the lock one sweeper at a time holds. */
export function sweeperLockKey(prefix: string): string {
  return `${prefix}presence-sweeper`;
}

/** `{prefix}session:{id}`: hash, `holder` (server id) and `data` (JSON session record), TTL of the resume window. */
export function sessionKey(prefix: string, sessionId: string): string {
  return `${prefix}session:${sessionId}`;
}

/** `{prefix}unpublished:{server_id}`: hash, field message_id → JSON ChatMessage. */
export function unpublishedKey(prefix: string, node: string): string {
  return `${prefix}unpublished:${node}`;
}

/** `{prefix}unpublished-nodes`: set of the instances that have such a hash, so a sweep need not SCAN. */
export function unpublishedNodesKey(prefix: string): string {
  return `${prefix}unpublished-nodes`;
}

/** `{prefix}ingress`: the stream other services XADD publications to (fields `target`, `type`, `payload`). */
export function ingressKey(prefix: string): string {
  return `${prefix}ingress`;
}

/**
 * `{prefix}ban:{user_id}`: hash, `until` (epoch ms) and `reason`; expires when the ban ends. The user id is
 * percent-encoded, as in the dedup keys.
 */
export function banKey(prefix: string, userId: string): string {
  return `${prefix}ban:${encodeURIComponent(userId)}`;
}

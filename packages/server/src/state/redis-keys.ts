/** Key names of the shared state, all under the deployment's prefix (default `gw:`); PROTOCOL.md documents them. */
export const DEFAULT_REDIS_PREFIX = 'gw:';

/** `{prefix}dedup:{user_id}:{client_msg_id}`; the user id is percent-encoded so a `:` in it cannot collide. */
export function dedupKey(prefix: string, userId: string, clientMsgId: string): string {
  return `${prefix}dedup:${encodeURIComponent(userId)}:${clientMsgId}`;
}

/** `{prefix}history:{room_id}`: a list of JSON ChatMessages, oldest first. */
export function historyKey(prefix: string, roomId: string): string {
  return `${prefix}history:${roomId}`;
}

import type { Redis } from 'ioredis';
import { isCluster } from './connect';

/**
 * Whether a command sent now reaches the socket. ioredis (with its offline queue off, as the gateway runs it)
 * rejects a command on a connection that is not ready or whose stream can no longer be written, without
 * writing anything; checked here first, the same way, a failure afterwards means the command was written and
 * the connection broke under it, never that it was refused unsent.
 */
export function commandWritable(redis: Redis): boolean {
  // A cluster writes to the node of each command's slot: only its own state says anything in advance.
  if (isCluster(redis)) return redis.status === 'ready';
  const stream = redis.stream as { writable?: boolean; writableEnded?: boolean } | undefined;
  return redis.status === 'ready' && stream?.writable === true && stream.writableEnded !== true;
}

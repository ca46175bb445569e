import type { Clock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import type { PresenceStore } from '../core/ports/presence-store';
import type { LogRetention } from '../core/ports/room-logs';
import type { SessionRecords, SessionStore } from '../core/ports/session-store';
import { RedisBackplane, redisLinkOf } from './backplane';
import type { RedisTarget } from './connect';
import { RedisPresenceStore } from './presence-store';
import { RedisSessionRecords, RedisSessionStore } from './session-store';

/** How long startup waits for Redis before serving anyway (degraded: local delivery until Redis answers). */
export const REDIS_STARTUP_WAIT_MS = 5_000;

/** The Redis backplane for `target`, connected (or given up on for now) before the server listens. */
export async function openRedisBackplane(options: {
  target: RedisTarget;
  prefix?: string | undefined;
  logger: Logger;
  clock: Clock;
  retentionFor: (roomId: string) => LogRetention;
}): Promise<RedisBackplane> {
  const { target, prefix, logger, clock, retentionFor } = options;
  const backplane = new RedisBackplane({
    ...target,
    logger,
    clock,
    retentionFor,
    ...(prefix === undefined ? {} : { prefix }),
  });
  if (await backplane.whenReady(REDIS_STARTUP_WAIT_MS)) {
    logger.info({ backplane: 'redis', prefix: backplane.prefix }, 'redis backplane connected');
  } else {
    logger.warn(
      { backplane: 'redis', status: backplane.status() },
      'redis is not reachable yet: serving local traffic only (degraded) and reconnecting',
    );
  }
  return backplane;
}

/**
 * The stores that live beside a Redis backplane, on its command connection: the presence snapshot (a field is
 * written before the delta announcing it goes out, on the same connection) and the session records with the
 * events stream the backplane writes (resume on any instance). A backplane on a Redis Cluster keeps no events
 * stream, so it brings the records alone: a session moving to another instance is handed over by its live
 * holder, and when the holder is gone its rooms are recovered from their logs (docs/redis.md, "Redis Cluster").
 */
export function storesBeside(
  backplane: RedisBackplane,
  settings: { presenceTtlMs: number; logger: Logger },
): { presenceStore: PresenceStore; sessionStore: SessionStore | SessionRecords } {
  const link = redisLinkOf(backplane);
  const { logger } = settings;
  return {
    presenceStore: new RedisPresenceStore(link, settings.presenceTtlMs, (error, operation) =>
      logger.debug({ err: error, operation }, 'presence snapshot unavailable in Redis'),
    ),
    sessionStore:
      backplane.streamKey === undefined
        ? new RedisSessionRecords(link)
        : new RedisSessionStore(link, backplane.streamKey),
  };
}

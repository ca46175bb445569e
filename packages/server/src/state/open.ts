import type { Logger } from '../core/logger';
import { createRedisSharedState, type RedisSharedState } from './redis-state';

/** How long startup waits for Redis before serving anyway (dedup falls back locally, history answers empty). */
const STARTUP_WAIT_MS = 5_000;

/** Dedup and history in Redis for `url` (none without one), connected or given up on for now. */
export async function openRedisSharedState(
  url: string | undefined,
  prefix: string | undefined,
  logger: Logger,
): Promise<RedisSharedState | undefined> {
  if (url === undefined) return undefined;
  const state = createRedisSharedState({ url, logger, ...(prefix === undefined ? {} : { prefix }) });
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    state.ready().then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), STARTUP_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!ready) logger.warn({}, 'redis is not reachable yet: dedup is local and history empty until it is');
  return state;
}

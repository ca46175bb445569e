import type { Redis } from 'ioredis';
import type { Clock } from '../core/ports/clock';

/** How long `close()` waits for a connection to finish closing before it drops it. */
const CLOSE_WAIT_MS = 1000;

/** QUIT when connected (pending replies arrive first), else drop; resolves once the connection has ended. */
export async function closeConnection(redis: Redis, clock: Clock): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'reconnecting' || redis.status === 'close' || redis.status === 'wait') {
    // No socket to wait for: this only cancels the next attempt (ioredis emits no 'end' for it).
    redis.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => {
    const timer = clock.setTimeout(() => {
      redis.disconnect();
      resolve();
    }, CLOSE_WAIT_MS);
    redis.once('end', () => {
      clock.clearTimeout(timer);
      resolve();
    });
  });
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
  await ended;
}

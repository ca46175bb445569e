import type { Redis } from 'ioredis';
import type { Clock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';

/**
 * What the Redis adapters of one gateway share: the backplane's command connection (never in subscriber
 * mode, offline queue off), the key prefix, the clock and the logger. One connection keeps their commands
 * in one order: a presence field is written before the delta that announces it is published.
 */
export interface RedisLink {
  readonly commands: Redis;
  readonly prefix: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

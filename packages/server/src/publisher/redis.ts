import type { EventDefinition } from '@gateway/protocol';
import { Redis } from 'ioredis';
import { systemClock } from '../core/ports/clock';
import { createPublicationValidator } from '../ingress/publication';
import { closeConnection } from '../redis/close-connection';
import { DEFAULT_REDIS_PREFIX, ingressKey } from '../redis/keys';
import { PublishError, type Publisher } from './types';

export interface RedisPublisherOptions<Events extends readonly EventDefinition[]> {
  /** `redis://…`; or pass `redis`, a client you own (then `close` leaves it open). */
  redisUrl?: string;
  redis?: Redis;
  /** The gateways' REDIS_PREFIX. @default 'gw:' */
  prefix?: string;
  /** The gateway's server events, checked before writing (no one answers an XADD). */
  events?: Events;
  /** The stream is capped near this many entries (`MAXLEN ~`). @default 10000 */
  maxLength?: number;
}

/**
 * Publishes through the ingress stream (`XADD {prefix}ingress`), for services that reach Redis but not
 * the gateway's HTTP port. Checked here as the gateway would, so a bad publication throws instead of
 * being dropped (and logged) by the instance that reads it.
 */
export function createRedisPublisher<const Events extends readonly EventDefinition[] = []>(
  options: RedisPublisherOptions<Events>,
): Publisher<Events> {
  const owned = options.redis === undefined;
  const redis = options.redis ?? openRedis(options.redisUrl);
  const key = ingressKey(options.prefix ?? DEFAULT_REDIS_PREFIX);
  const maxLength = options.maxLength ?? 10_000;
  const validate = createPublicationValidator(options.events);
  return {
    async publish(target, type, payload) {
      const result = validate({ ...target, type, payload });
      if (!result.ok) {
        throw new PublishError(
          result.error,
          `Not publishable as "${type}": ${result.error}.`,
          undefined,
          result.issues,
        );
      }
      const { publication } = result;
      await redis.xadd(
        key,
        'MAXLEN',
        '~',
        maxLength,
        '*',
        'target',
        JSON.stringify(publication.target),
        'type',
        publication.type,
        'payload',
        JSON.stringify(publication.payload),
      );
    },
    async close() {
      if (owned) await closeConnection(redis, systemClock);
    },
  };
}

function openRedis(url: string | undefined): Redis {
  if (url === undefined) throw new TypeError('createRedisPublisher needs a `redisUrl` or a `redis` client.');
  return new Redis(url);
}

import type { Redis } from 'ioredis';
import type { Channel } from '../core/ports/backplane';
import { mastersOf } from './connect';
import { channelKey, shardChannelKey } from './keys';
import { channelFromKey, channelFromShardKey } from './wire';

/**
 * The pub/sub commands and names of a backplane, chosen once: plain on a single Redis (`{prefix}room:x`,
 * SUBSCRIBE, PUBLISH, `message`), sharded on a cluster (`{prefix}{room:x}`, SSUBSCRIBE, SPUBLISH, `smessage`),
 * so no path of the backplane asks which it runs on.
 */
export interface PubSub {
  /** The event the subscriber connection reports a message with. */
  readonly event: 'message' | 'smessage';
  /** The publish command, as a script calls it. */
  readonly publishCommand: 'PUBLISH' | 'SPUBLISH';
  key(channel: Channel): string;
  /** The channel of a name the subscriber connection reported; null for anything that is not the gateway's. */
  channelOf(key: string): Channel | null;
  subscribe(redis: Redis, key: string): Promise<unknown>;
  unsubscribe(redis: Redis, key: string): Promise<unknown>;
  publish(redis: Redis, key: string, wire: string): Promise<unknown>;
  /** How many connections receive the channel now (on a cluster, summed over the masters: each counts its own). */
  listeners(redis: Redis, key: string): Promise<number>;
}

export function pubSubFor(prefix: string, sharded: boolean): PubSub {
  if (sharded) {
    return {
      event: 'smessage',
      publishCommand: 'SPUBLISH',
      key: (channel) => shardChannelKey(prefix, channel),
      channelOf: (key) => channelFromShardKey(key, prefix),
      subscribe: (redis, key) => redis.ssubscribe(key),
      unsubscribe: (redis, key) => redis.sunsubscribe(key),
      publish: (redis, key, wire) => redis.spublish(key, wire),
      listeners: async (redis, key) => {
        const counts = await Promise.all(mastersOf(redis).map((master) => master.pubsub('SHARDNUMSUB', key)));
        return counts.reduce<number>((sum, reply) => sum + countOf(reply), 0);
      },
    };
  }
  return {
    event: 'message',
    publishCommand: 'PUBLISH',
    key: (channel) => channelKey(prefix, channel),
    channelOf: (key) => channelFromKey(key, prefix),
    subscribe: (redis, key) => redis.subscribe(key),
    unsubscribe: (redis, key) => redis.unsubscribe(key),
    publish: (redis, key, wire) => redis.publish(key, wire),
    listeners: async (redis, key) => countOf(await redis.pubsub('NUMSUB', key)),
  };
}

/** The count in a `[channel, count]` reply of NUMSUB or SHARDNUMSUB. */
function countOf(reply: unknown): number {
  const count = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
  return Number.isFinite(count) ? count : 0;
}

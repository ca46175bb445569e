import type { Redis } from 'ioredis';
import type { Channel } from '../core/ports/backplane';
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
  };
}

import type { ChatMessage } from '@gateway/protocol';
import type { Cluster, Redis } from 'ioredis';
import { pageOf } from '../core/history/page';
import { type Clock, settleWithin, systemClock } from '../core/ports/clock';
import { type Logger, silentLogger } from '../core/ports/logger';
import type { LogRetention } from '../core/ports/room-logs';
import {
  DEFAULT_HISTORY_TTL_MS,
  type DedupSettings,
  type DedupStore,
  type HistoryPage,
  type HistoryPageQuery,
  type HistorySettings,
  type HistoryStore,
  type SharedState,
  sizeOnly,
} from '../core/ports/shared-state';
import { InMemoryDedupStore } from '../memory/shared-state';
import { RedisBanStore } from './ban-store';
import { closeConnection } from './close-connection';
import { connectRedis, isCluster, type RedisTarget, targetOf } from './connect';
import { DEFAULT_REDIS_PREFIX, dedupKey, historyKey } from './keys';
import { MasterLinks } from './master-links';
import { RedisUnpublishedStore } from './unpublished-store';

/** How long `openRedisSharedState` waits for Redis before serving anyway (dedup local, history empty). */
const STARTUP_WAIT_MS = 5_000;

/** Claims the key with the ack, or returns the ack already there: one round trip, no window between the two. */
const CLAIM_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
return redis.call('GET', KEYS[1])`;

/** Finds the entry with message_id ARGV[1]; replaces it with ARGV[2] when given, else removes it. */
const REWRITE_SCRIPT = `
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for i, item in ipairs(items) do
  local ok, decoded = pcall(cjson.decode, item)
  if ok and type(decoded) == 'table' and decoded.message_id == ARGV[1] then
    if ARGV[2] then redis.call('LSET', KEYS[1], i - 1, ARGV[2]) else redis.call('LREM', KEYS[1], 1, item) end
    return 1
  end
end
return 0`;

/**
 * Dedup in Redis (`SET … NX PX`), shared by every instance. While Redis is unreachable a local window
 * stands in, so retries to this instance are still caught and chat keeps working.
 */
class RedisDedupStore<V> implements DedupStore<V> {
  private readonly fallback: InMemoryDedupStore<V>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    settings: DedupSettings,
    private readonly logger: Logger,
  ) {
    this.windowMs = settings.windowMs;
    this.fallback = new InMemoryDedupStore(settings);
  }

  private readonly windowMs: number;

  async claim(userId: string, clientMsgId: string, value: V): Promise<V | undefined> {
    const key = dedupKey(this.prefix, userId, clientMsgId);
    try {
      const original = await this.redis.eval(CLAIM_SCRIPT, 1, key, JSON.stringify(value), this.windowMs);
      return typeof original === 'string' ? (JSON.parse(original) as V) : undefined;
    } catch (error) {
      this.logger.warn({ err: error, user_id: userId }, 'dedup claim failed in Redis; deduplicating locally');
      return this.fallback.claim(userId, clientMsgId, value);
    }
  }

  async release(userId: string, clientMsgId: string): Promise<void> {
    this.fallback.release(userId, clientMsgId);
    try {
      await this.redis.del(dedupKey(this.prefix, userId, clientMsgId));
    } catch (error) {
      this.logger.warn({ err: error, user_id: userId }, 'dedup release failed in Redis');
    }
  }
}

/**
 * Room history as one Redis list per room (RPUSH + LTRIM to the room's length bound), shared by every
 * instance, each list expiring `ttlMs` after its last message (sooner when the room's age bound is shorter):
 * any user may name any room, so lists must not outlive their use. The age and bytes bounds apply as the list
 * is read. While Redis is unreachable reads answer empty and writes are skipped (logged): chat goes on without
 * history.
 */
class RedisHistoryStore implements HistoryStore {
  private readonly ttlMs: number;
  private readonly retentionFor: (roomId: string) => LogRetention;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    settings: HistorySettings,
    private readonly logger: Logger,
  ) {
    this.ttlMs = settings.ttlMs ?? DEFAULT_HISTORY_TTL_MS;
    const fallback = sizeOnly(settings.size);
    this.retentionFor = settings.retentionFor ?? (() => fallback);
    this.now = settings.now ?? Date.now;
  }

  async add(message: ChatMessage): Promise<void> {
    const key = historyKey(this.prefix, message.room_id);
    const { maxEntries, maxAgeMs } = this.retentionFor(message.room_id);
    try {
      const write = this.redis.multi().rpush(key, JSON.stringify(message));
      if (Number.isFinite(maxEntries)) write.ltrim(key, -maxEntries, -1);
      // Past its age bound after the last message, every message of the list is.
      await write.pexpire(key, Math.ceil(Math.min(this.ttlMs, maxAgeMs))).exec();
    } catch (error) {
      this.failed(error, 'add', message.room_id);
    }
  }

  async recent(roomId: string, limit?: number): Promise<ChatMessage[]> {
    const { maxEntries } = this.retentionFor(roomId);
    const count = Math.min(limit ?? maxEntries, maxEntries);
    if (count <= 0) return [];
    return this.read(roomId, Number.isFinite(count) ? -count : 0);
  }

  /** Reads the room's whole list (bounded by its length bound) and pages it here, off Redis's one thread. */
  async page(roomId: string, query: HistoryPageQuery): Promise<HistoryPage> {
    return pageOf(await this.read(roomId, this.listStart(roomId)), query);
  }

  async find(roomId: string, messageId: string): Promise<ChatMessage | undefined> {
    const messages = await this.read(roomId, this.listStart(roomId));
    return messages.find((message) => message.message_id === messageId);
  }

  /** Where a read of all a room keeps starts: a list from before a shorter bound may hold more. */
  private listStart(roomId: string): number {
    const { maxEntries } = this.retentionFor(roomId);
    return Number.isFinite(maxEntries) ? -maxEntries : 0;
  }

  async replace(message: ChatMessage): Promise<void> {
    await this.rewrite(message.room_id, [message.message_id, JSON.stringify(message)]);
  }

  async remove(roomId: string, messageId: string): Promise<void> {
    await this.rewrite(roomId, [messageId]);
  }

  private async read(roomId: string, start: number): Promise<ChatMessage[]> {
    try {
      const items = await this.redis.lrange(historyKey(this.prefix, roomId), start, -1);
      return this.kept(roomId, items);
    } catch (error) {
      this.failed(error, 'read', roomId);
      return [];
    }
  }

  /**
   * What the room's retention keeps of the list's newest items: its length, its bytes (the newest stays
   * whatever its size) and its age, walking back from the newest, as the list is in the order messages came.
   */
  private kept(roomId: string, items: readonly string[]): ChatMessage[] {
    const { maxEntries, maxAgeMs, maxBytes } = this.retentionFor(roomId);
    const oldestAllowed = this.now() - maxAgeMs;
    const kept: ChatMessage[] = [];
    let bytes = 0;
    for (let i = items.length - 1; i >= 0 && kept.length < maxEntries; i--) {
      const item = items[i] as string;
      bytes += item.length;
      if (bytes > maxBytes && kept.length > 0) break;
      const message = JSON.parse(item) as ChatMessage;
      if (Date.parse(message.created_at) < oldestAllowed) break;
      kept.push(message);
    }
    return kept.reverse();
  }

  /** Atomic, so an edit and a concurrent send on another instance cannot shift the index between find and write. */
  private async rewrite(roomId: string, args: string[]): Promise<void> {
    try {
      await this.redis.eval(REWRITE_SCRIPT, 1, historyKey(this.prefix, roomId), ...args);
    } catch (error) {
      this.failed(error, 'rewrite', roomId);
    }
  }

  private failed(error: unknown, operation: string, roomId: string): void {
    this.logger.warn({ err: error, room_id: roomId, operation }, 'room history unavailable in Redis');
  }
}

export interface RedisSharedStateOptions {
  /** `redis://…` to connect to; or pass `redis`, a client you own (then `close` leaves it open). */
  url?: string;
  /** A Redis Cluster's nodes (`redis://host:port` each) to connect to instead of `url`. */
  cluster?: readonly string[];
  redis?: Redis;
  /** @default 'gw:' */
  prefix?: string;
  logger?: Logger;
  /** For the close's wait. @default the system clock */
  clock?: Clock;
}

export interface RedisSharedState extends SharedState {
  readonly kind: 'redis';
  /** Settles once the connection is ready (at once for a client passed in). */
  ready(): Promise<void>;
  /** Closes the connection it opened. */
  close(): Promise<void>;
}

/**
 * Dedup and room history in Redis, so every instance sees the same (A4). Commands fail fast while Redis
 * is down (no offline queue piling up); the stores fall back as their docs say.
 */
export function createRedisSharedState(options: RedisSharedStateOptions): RedisSharedState {
  const owned = options.redis === undefined;
  const redis = options.redis ?? openRedis(options);
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  // ioredis reports connection trouble here; without a listener it would print it.
  const onError = (error: Error) => logger.debug({ err: error }, 'shared state Redis connection error');
  if (owned) redis.on('error', onError);
  // On a cluster, every master's link up before the stores are used: a command for a master still linking would
  // be retried behind later ones (see MasterLinks), and a room's history written out of order.
  const links = owned && isCluster(redis) ? new MasterLinks(redis as unknown as Cluster) : undefined;
  return {
    kind: 'redis',
    history: (settings) => new RedisHistoryStore(redis, prefix, settings, logger),
    dedup: (settings) => new RedisDedupStore(redis, prefix, settings, logger),
    unpublished: () => new RedisUnpublishedStore(redis, prefix, logger),
    bans: (settings) => new RedisBanStore(redis, prefix, settings),
    ready: () => (links === undefined ? whenReady(redis) : links.whenLinked()),
    async close() {
      if (owned) await closeConnection(redis, clock);
    },
  };
}

function openRedis({ url, cluster }: RedisSharedStateOptions): Redis {
  const target = targetOf({ url, cluster });
  if (target === undefined)
    throw new TypeError('createRedisSharedState needs a `url`, a `cluster` or a `redis` client.');
  return connectRedis(target, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
}

function whenReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}

/** Dedup and history in Redis at `url`, connected, or given up on for now after a bounded wait. */
export async function openRedisSharedState(options: {
  target: RedisTarget;
  prefix?: string | undefined;
  logger: Logger;
  clock: Clock;
}): Promise<RedisSharedState> {
  const { target, prefix, logger, clock } = options;
  const state = createRedisSharedState({ ...target, logger, clock, ...(prefix === undefined ? {} : { prefix }) });
  const ready = await settleWithin(
    clock,
    state.ready().then(() => true),
    STARTUP_WAIT_MS,
    false,
  );
  if (!ready) logger.warn({}, 'redis is not reachable yet: dedup is local and history empty until it is');
  return state;
}

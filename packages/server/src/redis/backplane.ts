import { randomUUID } from 'node:crypto';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import {
  type Backplane,
  type BackplaneListener,
  type BackplaneMessage,
  type BackplaneNode,
  type BackplaneNodeOptions,
  type BackplaneState,
  type BackplaneStatus,
  type Channel,
  roomOfChannel,
} from '../core/ports/backplane';
import { type Clock, systemClock } from '../core/ports/clock';
import { type Logger, silentLogger } from '../core/ports/logger';
import { DEFAULT_LOG_RETENTION, type LogRetention } from '../core/ports/room-logs';
import { ChannelTable } from './channel-table';
import { closeConnection } from './close-connection';
import { connectRedis, targetOf } from './connect';
import { EchoLanes } from './echo-lanes';
import type { QueuedMessage } from './echo-tracker';
import { channelOnceKey, DEFAULT_REDIS_PREFIX, eventsKey, onceKey, roomHeadKey, roomLogKey } from './keys';
import type { RedisLink } from './link';
import { MasterLinks } from './master-links';
import { PUBLISH_PER_CHANNEL_LUA, PUBLISH_SEQUENCED_LUA, reconnectDelayMs } from './publish-script';
import { type PubSub, pubSubFor } from './pubsub';
import { newEpoch, RedisRoomLogs } from './room-logs';
import { ShardRetry } from './shard-retry';
import { StreamBudget } from './stream-budget';
import { decodeWire, encodeWire } from './wire';
import { commandWritable } from './writable';

/** ioredis options the backplane passes through (the reply shape is its own business). */
export type ConnectionSettings = Omit<RedisOptions, 'replyMapping'>;

export interface RedisBackplaneOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). @default localhost:6379 */
  url?: string;
  /**
   * A Redis Cluster instead, named by some of its nodes (`redis://host:port` each): channels become sharded
   * (SPUBLISH/SSUBSCRIBE, each on its slot's node), a room's log and its channel share a slot, and there is
   * no events stream, so nothing goes through one node. Resume on another instance is then a handover by
   * the session's live holder (docs/redis.md, "Handing a session over").
   */
  cluster?: readonly string[];
  /**
   * Keep the `{prefix}events` stream on a single server: what resume on another instance reads. Off, every
   * sequenced message goes to its channel's own keys only (as on a cluster), and a session that moves to
   * another instance is handed over by its live holder instead. Always off on a cluster. @default true
   */
  eventsStream?: boolean;
  /**
   * Number room dispatches and keep each room's recent ones (room recovery, `chat.history` by position). Off,
   * rooms are not recoverable (`unavailable`) and a publish writes nothing but the events stream. @default true
   */
  roomLogs?: boolean;
  /** Further ioredis options for both connections (TLS, a password…); the backplane's own settings win. */
  redisOptions?: ConnectionSettings;
  /** Put before every channel and key, so deployments can share a Redis. @default 'gw:' */
  prefix?: string;
  /** Approximate length the `{prefix}events` stream of sequenced messages is capped to. @default 100000 */
  streamMaxLength?: number;
  /**
   * Approximate bytes the events stream may hold: its length cap follows the average size of recent entries,
   * so maximum-size messages cannot make it hold `streamMaxLength` of them. @default 67108864 (64 MiB)
   */
  streamMaxBytes?: number;
  /** Each room's log retention (recovery after a session is gone). @default DEFAULT_LOG_RETENTION for every room */
  retentionFor?: (roomId: string) => LogRetention;
  /** Longest wait between reconnect attempts while Redis is unreachable. @default 2000 */
  maxReconnectDelayMs?: number;
  /** A command Redis has not answered in this time fails (a hung server must not hold publishes forever). @default 5000 */
  commandTimeoutMs?: number;
  /**
   * Publishes that may wait for a subscription still being confirmed (so this instance hears its own
   * publish on a channel it just joined); past it they go out without waiting. @default 10000
   */
  maxHeldPublishes?: number;
  /**
   * How long to wait for the echo of a publish whose command connection broke while the subscriber connection
   * stayed up, before delivering it to this instance's sessions directly. @default 1000
   */
  echoWaitMs?: number;
  logger?: Logger;
  /** For `status().since` and the backplane's own waits. @default the system clock */
  clock?: Clock;
  /** @default Math.random */
  random?: () => number;
}

/** `status()` of the Redis backplane: the common fields plus its counters. */
export interface RedisBackplaneStatus extends BackplaneStatus {
  readonly kind: 'redis';
  /** Messages handed to Redis. */
  readonly published: number;
  /** Messages read from the subscriber connection for this instance's channels. */
  readonly received: number;
  /**
   * Publishes delivered to this instance's own sessions directly: while degraded, and those whose echo the
   * subscriber connection could no longer carry back.
   */
  readonly delivered_locally: number;
  /** Publishes lost with a connection that broke under them (Redis may or may not have carried them). */
  readonly publish_failures: number;
  /** Messages on a channel that were not a backplane message (dropped). */
  readonly malformed: number;
  /** Times the backplane came back to `ok` after being degraded. */
  readonly recoveries: number;
}

interface LocalNode {
  readonly listener: BackplaneListener;
  readonly onState: ((state: BackplaneState) => void) | undefined;
  readonly channels: Set<Channel>;
  readonly origin: string;
  closed: boolean;
}

interface HeldPublish {
  readonly node: LocalNode;
  readonly channel: Channel;
  readonly message: BackplaneMessage;
}

/** A publish script's key count, keys, then arguments. */
type ScriptCall = [keyCount: number, ...keysThenArgs: Array<string | number>];
/** Runs the publish script; resolves null when it declined to publish (its once-key was taken). */
type PublishSequenced = (call: ScriptCall) => Promise<unknown>;

let readLink: (backplane: RedisBackplane) => RedisLink;

/**
 * The command connection, prefix, clock and logger of a Redis backplane, for the stores that must share its
 * connection (server.ts makes them). Not exported from the package: applications never reach the connection.
 */
export function redisLinkOf(backplane: RedisBackplane): RedisLink {
  return readLink(backplane);
}

/** Subscribe commands carry at most this many channels, so a restore after a reconnect is not one huge frame. */
const SUBSCRIBE_BATCH = 500;

/**
 * Fan-out between gateway instances over Redis pub/sub. One command connection publishes; one subscriber
 * connection carries every channel this process needs (`{prefix}room:{id}`, `{prefix}user:{id}`,
 * `{prefix}all`), subscribed when the first local node needs a channel and dropped after the last. Because
 * all traffic arrives on that one connection in the order Redis ran the publishes, an instance delivers
 * its own publishes only through that echo while Redis is up: every instance sees a channel in one order.
 * Sequenced messages are also appended to the capped stream `{prefix}events` (atomically, by a script) and
 * carry their stream id as `position`.
 *
 * When either connection is down the backplane is `degraded`: publishes reach this process's own
 * subscribers directly (local users keep chatting; other instances hear nothing until it recovers), nothing
 * is queued, ioredis reconnects by itself, and once both connections are back and the subscriptions are
 * restored it is `ok` again.
 */
export class RedisBackplane implements Backplane {
  readonly prefix: string;
  /**
   * `{prefix}events`: the capped stream of sequenced messages, fields `channel` and `message`, which resume on
   * any instance reads. Undefined on a Redis Cluster, which keeps no such stream.
   */
  readonly streamKey: string | undefined;
  /** On a Redis Cluster: sharded pub/sub, per-slot scripts. */
  private readonly sharded: boolean;
  private readonly pubsub: PubSub;
  /**
   * The command connection (never in subscriber mode), shared with the Redis stores of the same gateway
   * through `redisLinkOf`; its offline queue is off, so a command fails at once while Redis is unreachable.
   */
  readonly #link: RedisLink;
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly publishSequenced: PublishSequenced;
  private readonly table = new ChannelTable<LocalNode>();
  private readonly nodes = new Set<LocalNode>();
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly streamBudget: StreamBudget;
  private readonly retentionFor: (roomId: string) => LogRetention;
  /** The read side of the room logs `route` writes as it publishes room dispatches; undefined when off. */
  readonly logs: RedisRoomLogs | undefined;
  private readonly maxHeldPublishes: number;
  private readonly held: HeldPublish[] = [];
  private readonly echoes: EchoLanes;
  private readonly echoWaitMs: number;
  private readonly readyWaiters = new Set<(ok: boolean) => void>();
  private state: BackplaneState = 'degraded';
  private since: number;
  private detail: string | undefined = 'connecting to Redis';
  /** True once every channel in the table is subscribed on the current subscriber connection. */
  private restored = false;
  /** Bumped per subscriber connection, so a restore that finishes late does not vouch for a newer one. */
  private restoreEpoch = 0;
  private pendingSubscribes = 0;
  /** On a cluster: channels whose sharded subscribe failed, retried until made (the backplane is degraded). */
  private readonly shardRetry: ShardRetry | undefined;
  /** On a cluster: the command connection's link to each master, all up before the backplane is `ok`. */
  private readonly masterLinks: MasterLinks | undefined;
  private everOk = false;
  private failureLogged = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly counters = {
    published: 0,
    received: 0,
    delivered_locally: 0,
    publish_failures: 0,
    malformed: 0,
    recoveries: 0,
  };

  constructor(options: RedisBackplaneOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.sharded = options.cluster !== undefined;
    this.pubsub = pubSubFor(this.prefix, this.sharded);
    this.streamKey = this.sharded || options.eventsStream === false ? undefined : eventsKey(this.prefix);
    this.echoes = new EchoLanes(randomUUID().slice(0, 8), this.sharded);
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.since = this.clock.now();
    this.streamBudget = new StreamBudget(
      options.streamMaxLength ?? 100_000,
      options.streamMaxBytes ?? 64 * 1024 * 1024,
    );
    this.maxHeldPublishes = options.maxHeldPublishes ?? 10_000;
    this.echoWaitMs = options.echoWaitMs ?? 1_000;
    const random = options.random ?? Math.random;
    const maxDelay = options.maxReconnectDelayMs ?? 2_000;
    const settings: ConnectionSettings = {
      ...options.redisOptions,
      // Fail fast instead of buffering while Redis is away: the backplane delivers locally meanwhile.
      enableOfflineQueue: false,
      // A command caught by a broken connection fails at that close, never resent after a reconnect.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // The channel table is the truth; it is re-subscribed on every new connection (see `restore`).
      autoResubscribe: false,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      retryStrategy: (attempt) => reconnectDelayMs(attempt, maxDelay, random),
    };
    // Named, so `CLIENT LIST` tells an operator which connections are the gateway's backplane.
    const commandSettings = { ...settings, connectionName: 'gateway-backplane' };
    const subscriberSettings = { ...settings, connectionName: 'gateway-backplane-subscriber' };
    const target = targetOf(options) ?? { url: 'redis://localhost:6379' };
    this.commands = connectRedis(target, commandSettings);
    // Listening before `watch` does, so a cluster client that becomes ready is not `ok` until its masters are linked.
    this.masterLinks = this.sharded
      ? new MasterLinks(this.commands as unknown as Cluster, () => this.refresh())
      : undefined;
    this.subscriber = connectRedis(target, subscriberSettings, { shardedSubscribers: this.sharded });
    this.#link = { commands: this.commands, prefix: this.prefix, clock: this.clock, logger: this.logger };
    // Keys vary: the events stream or none, a room's head and log when the dispatch is logged (`route`). The
    // script goes whole with every publish (EVAL), never by its hash: ioredis answers NOSCRIPT (a script cache
    // emptied under a live connection, SCRIPT FLUSH) by sending that one publish again once its error is back,
    // behind publishes written since, which found the script its first retry loaded. A room's dispatches would
    // swap places, or be lost when the retry met a second flush. Hashing the script costs Redis next to nothing.
    const lua = this.streamKey === undefined ? PUBLISH_PER_CHANNEL_LUA : PUBLISH_SEQUENCED_LUA;
    this.publishSequenced = ([keyCount, ...keysThenArgs]) => this.commands.eval(lua, keyCount, ...keysThenArgs);
    this.retentionFor = options.retentionFor ?? (() => DEFAULT_LOG_RETENTION);
    this.logs =
      options.roomLogs === false
        ? undefined
        : new RedisRoomLogs(this.commands, this.prefix, this.retentionFor, () => this.clock.now());
    this.shardRetry = this.sharded
      ? new ShardRetry({
          subscribe: (channel) => this.pubsub.subscribe(this.subscriber, this.pubsub.key(channel)),
          wanted: (channel) => this.table.has(channel),
          delayMs: (attempt) => reconnectDelayMs(attempt, maxDelay, random),
          changed: () => this.refresh(),
          clock: this.clock,
          logger: this.logger,
        })
      : undefined;
    this.watch(this.commands, 'command');
    this.watch(this.subscriber, 'subscriber');
    this.subscriber.on('ready', () => this.restore());
    this.subscriber.on(this.pubsub.event, (key: string, text: string) => this.subscriberOnMessage(key, text));
  }

  static {
    // The one way in to the command connection: the stores made beside this backplane (server.ts) share it,
    // so a presence field is written before the delta announcing it goes out. Not part of the public type.
    readLink = (backplane) => backplane.#link;
  }

  connect(listener: BackplaneListener, options: BackplaneNodeOptions = {}): BackplaneNode {
    const node: LocalNode = {
      listener,
      onState: options.onState,
      channels: new Set(),
      origin: options.serverId ?? 'unknown',
      closed: false,
    };
    this.nodes.add(node);
    return {
      subscribe: (channel) => {
        if (node.closed || node.channels.has(channel)) return;
        node.channels.add(channel);
        if (this.table.add(channel, node)) this.openChannel(channel);
      },
      unsubscribe: (channel) => {
        if (!node.channels.delete(channel)) return;
        if (this.table.remove(channel, node)) this.closeChannel(channel);
      },
      publish: (channel, message) => {
        if (!node.closed) this.publish(node, channel, message);
      },
      status: () => this.status(node.channels.size),
      listeners: (channel) => this.pubsub.listeners(this.commands, this.pubsub.key(channel)),
      close: () => {
        node.closed = true;
        this.nodes.delete(node);
        for (const channel of node.channels) if (this.table.remove(channel, node)) this.closeChannel(channel);
        node.channels.clear();
      },
    };
  }

  /** The backplane's state with its counters; `channels` counts every channel this process subscribes. */
  status(channels = this.table.size): RedisBackplaneStatus {
    return {
      kind: 'redis',
      state: this.state,
      since: this.since,
      ...(this.detail === undefined || this.state === 'ok' ? {} : { detail: this.detail }),
      channels,
      ...this.counters,
    };
  }

  /** Resolves true once the backplane is `ok`, false if that takes longer than `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.state === 'ok') return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (ok: boolean) => {
        this.clock.clearTimeout(timer);
        this.readyWaiters.delete(waiter);
        resolve(ok);
      };
      const timer = this.clock.setTimeout(() => waiter(false), timeoutMs);
      this.readyWaiters.add(waiter);
    });
  }

  /** Closes both connections (gracefully when they are up). Publishing afterwards reaches local nodes only. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.detail = 'closed';
      this.setState('degraded');
      for (const waiter of [...this.readyWaiters]) waiter(false);
      this.held.length = 0;
      this.shardRetry?.stop();
      await Promise.all([closeConnection(this.commands, this.clock), closeConnection(this.subscriber, this.clock)]);
    })();
    return this.closing;
  }

  private watch(redis: Redis, role: 'command' | 'subscriber'): void {
    // Without an error listener ioredis prints every failed reconnect attempt to the console.
    redis.on('error', (error: Error) => {
      this.detail = `${role} connection: ${error.message}`;
      this.logger.debug({ err: error, role }, 'redis backplane connection error');
    });
    const changed = () => {
      if (role === 'subscriber' && redis.status !== 'ready') {
        this.restored = false;
        this.deliverUnechoed();
      }
      this.refresh();
    };
    redis.on('ready', changed);
    redis.on('close', () => {
      if (!this.closed && this.state === 'ok') this.detail = `${role} connection closed`;
      changed();
    });
    redis.on('reconnecting', changed);
    redis.on('end', changed);
  }

  /** Subscribes every channel in the table on a fresh subscriber connection; `ok` waits for it. */
  private restore(): void {
    const epoch = ++this.restoreEpoch;
    this.restored = false;
    if (this.shardRetry !== undefined) {
      this.restoreSharded(epoch, this.shardRetry);
      return;
    }
    const keys = this.table.channels().map((channel) => this.pubsub.key(channel));
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < keys.length; i += SUBSCRIBE_BATCH) {
      batches.push(this.subscriber.subscribe(...keys.slice(i, i + SUBSCRIBE_BATCH)));
    }
    Promise.all(batches).then(
      () => {
        if (epoch !== this.restoreEpoch || this.subscriber.status !== 'ready') return;
        this.restored = true;
        if (keys.length > 0) this.logger.info({ channels: keys.length }, 'redis backplane subscriptions restored');
        this.refresh();
      },
      (error: unknown) => {
        this.detail = `restoring subscriptions: ${error instanceof Error ? error.message : String(error)}`;
        this.logger.warn({ err: error }, 'redis backplane could not restore its subscriptions; reconnecting');
        if (epoch === this.restoreEpoch) this.subscriber.disconnect(true);
      },
    );
  }

  /**
   * A sharded subscribe names channels of one slot only: one command each. One refused (its slot's master is
   * gone) is retried by itself; reconnecting the whole cluster client would not bring that master back.
   */
  private restoreSharded(epoch: number, retry: ShardRetry): void {
    const channels = this.table.channels();
    Promise.all(
      channels.map((channel) =>
        this.pubsub
          .subscribe(this.subscriber, this.pubsub.key(channel))
          .catch((error: unknown) => retry.failedOn(channel, error)),
      ),
    ).then(() => {
      if (epoch !== this.restoreEpoch || this.subscriber.status !== 'ready') return;
      this.restored = true;
      if (channels.length > 0)
        this.logger.info({ channels: channels.length }, 'redis backplane subscriptions restored');
      this.refresh();
    });
  }

  private refresh(): void {
    const up =
      !this.closed &&
      this.restored &&
      (this.shardRetry?.settled ?? true) &&
      (this.masterLinks?.linked ?? true) &&
      this.commands.status === 'ready' &&
      this.subscriber.status === 'ready';
    this.setState(up ? 'ok' : 'degraded');
  }

  private setState(next: BackplaneState): void {
    if (next === this.state) return;
    this.state = next;
    this.since = this.clock.now();
    if (next === 'ok') {
      if (this.everOk) {
        this.counters.recoveries++;
        this.logger.info({ backplane: 'redis' }, 'redis backplane recovered: fan-out across instances again');
      }
      this.everOk = true;
      this.failureLogged = false;
      for (const waiter of [...this.readyWaiters]) waiter(true);
    } else if (!this.closed) {
      this.logger.warn(
        { backplane: 'redis', detail: this.detail },
        'redis backplane degraded: delivering to local sessions only until Redis is back',
      );
    }
    if (this.closed) return;
    for (const node of [...this.nodes]) {
      try {
        node.onState?.(next);
      } catch (error) {
        this.logger.error({ err: error }, 'redis backplane state listener failed');
      }
    }
  }

  private openChannel(channel: Channel): void {
    // While the subscriber is down the table alone remembers it: `restore` subscribes it on reconnect.
    if (this.subscriber.status !== 'ready') return;
    this.pendingSubscribes++;
    this.pubsub.subscribe(this.subscriber, this.pubsub.key(channel)).then(
      () => this.subscribeSettled(),
      (error: unknown) => {
        this.subscribeSettled();
        if (this.closed || this.subscriber.status !== 'ready') return;
        if (this.shardRetry !== undefined) {
          this.shardRetry.failedOn(channel, error);
          return;
        }
        // Still connected yet refused or timed out: start over on a new connection rather than miss a channel.
        this.logger.warn({ err: error, channel }, 'redis backplane subscribe failed; reconnecting');
        this.subscriber.disconnect(true);
      },
    );
  }

  private closeChannel(channel: Channel): void {
    this.shardRetry?.forget(channel);
    this.deliverHere(this.echoes.forgetChannel(channel));
    if (this.subscriber.status !== 'ready') return;
    // Late messages still in flight are dropped by the table check in `subscriberOnMessage`.
    this.pubsub.unsubscribe(this.subscriber, this.pubsub.key(channel)).catch(() => {});
  }

  private subscribeSettled(): void {
    this.pendingSubscribes--;
    if (this.pendingSubscribes === 0) this.releaseHeld();
  }

  private releaseHeld(): void {
    for (const { node, channel, message } of this.held.splice(0)) this.route(node, channel, message);
  }

  private publish(node: LocalNode, channel: Channel, message: BackplaneMessage): void {
    if (this.state === 'ok' && (this.pendingSubscribes > 0 || this.held.length > 0)) {
      // A subscription being confirmed: wait for it, keeping the publishes' order, so a session that just
      // joined hears the room's next message. Bounded: past the limit, everything goes out now.
      if (this.held.length < this.maxHeldPublishes) {
        this.held.push({ node, channel, message });
        return;
      }
      this.releaseHeld();
    }
    this.route(node, channel, message);
  }

  private route(node: LocalNode, channel: Channel, message: BackplaneMessage): void {
    // Not `ok`, or the command connection went away before its state caught up: nothing would be written.
    if (this.state !== 'ok' || !commandWritable(this.commands)) {
      this.deliverHere(this.echoes.local(channel, message));
      return;
    }
    // Only a channel this process receives brings an echo back.
    const echo = this.table.has(channel) ? this.echoes.expect(channel, message) : undefined;
    const wire = encodeWire(message, node.origin, echo);
    this.counters.published++;
    // Without an events stream, a sequenced message that is neither logged nor once-only has no key to write:
    // a plain publish (a keyless script would run on any node of a cluster, not the channel's).
    const roomId = message.sequenced ? this.loggedRoom(channel, message) : undefined;
    const scripted =
      message.sequenced && (this.streamKey !== undefined || message.once !== undefined || roomId !== undefined);
    const sent = scripted
      ? this.publishSequenced(this.sequencedCall(channel, message, wire, roomId))
      : this.pubsub.publish(this.commands, this.pubsub.key(channel), wire);
    sent.then(
      (reply) => {
        if (echo === undefined) return;
        // The script declined it (its once-key was taken: another instance published it): no echo comes.
        if (reply === null) this.deliverHere(this.echoes.cancel(channel, echo));
        else if (message.once !== undefined) this.echoes.published(channel, echo);
      },
      (error: unknown) => this.publishFailed(channel, message, error, echo),
    );
  }

  /**
   * The script's key count, keys and arguments: a dispatch logged in room `roomId` adds the room's head and
   * log.
   */
  private sequencedCall(
    channel: Channel,
    message: BackplaneMessage,
    wire: string,
    roomId: string | undefined,
  ): ScriptCall {
    if (this.streamKey === undefined) return this.perChannelCall(channel, message, wire, roomId);
    const bytes = Buffer.byteLength(wire);
    const args = [
      this.prefix,
      channel,
      wire,
      this.streamBudget.maxLengthFor(bytes + channel.length),
      message.once === undefined ? '' : onceKey(this.prefix, message.once.key),
      message.once?.ttlMs ?? 0,
    ];
    if (roomId === undefined) return [1, this.streamKey, ...args];
    return [
      3,
      this.streamKey,
      roomHeadKey(this.prefix, roomId),
      roomLogKey(this.prefix, roomId),
      ...args,
      ...this.logArgs(roomId, bytes),
    ];
  }

  /**
   * PUBLISH_PER_CHANNEL_LUA's call: the room's log keys when logged, the once-key last, all in the channel's
   * slot (on a cluster, the command is SPUBLISH to the same slot).
   */
  private perChannelCall(
    channel: Channel,
    message: BackplaneMessage,
    wire: string,
    roomId: string | undefined,
  ): ScriptCall {
    const keys = roomId === undefined ? [] : [roomHeadKey(this.prefix, roomId), roomLogKey(this.prefix, roomId)];
    if (message.once !== undefined) keys.push(channelOnceKey(this.prefix, channel, message.once.key));
    const args = [
      this.pubsub.key(channel),
      wire,
      message.once === undefined ? '' : message.once.ttlMs,
      this.pubsub.publishCommand,
    ];
    const logArgs = roomId === undefined ? [] : this.logArgs(roomId, Buffer.byteLength(wire));
    return [keys.length, ...keys, ...args, ...logArgs];
  }

  /** The room a dispatch is numbered in, when room logs are kept and the dispatch is one to log. */
  private loggedRoom(channel: Channel, message: BackplaneMessage): string | undefined {
    return this.logs !== undefined && message.log === true ? roomOfChannel(channel) : undefined;
  }

  /** The room log's five script arguments (see `appendToRoomLog`). */
  private logArgs(roomId: string, bytes: number): Array<string | number> {
    const retention = this.retentionFor(roomId);
    // The byte bound as a length: this dispatch's size stands for its neighbours' (MAXLEN ~ is approximate anyway).
    const maxLength = Math.max(1, Math.min(retention.maxEntries, Math.floor(retention.maxBytes / Math.max(1, bytes))));
    const headTtlMs = this.logs?.headTtlMs(roomId) ?? retention.maxAgeMs;
    return [newEpoch(), maxLength, this.clock.now(), retention.maxAgeMs, headTtlMs];
  }

  private publishFailed(channel: Channel, message: BackplaneMessage, error: unknown, echo: string | undefined): void {
    // Written (`route` checked the connection first), then the connection broke: Redis may have carried it to
    // other instances (counted as lost to them). This instance's sessions still get it: by its echo, by
    // `deliverUnechoed` when the subscriber connection went down too, or here when the echo fails to come
    // while that connection stays up.
    this.counters.publish_failures++;
    if (echo !== undefined && this.subscriber.status === 'ready') {
      this.clock.setTimeout(() => this.giveUpOnEcho(channel, echo), this.echoWaitMs);
    }
    if (!this.failureLogged) {
      this.failureLogged = true;
      this.logger.warn({ err: error, channel, type: message.type }, 'redis backplane publish lost with its connection');
    } else this.logger.debug({ err: error, channel, type: message.type }, 'redis backplane publish lost');
  }

  private giveUpOnEcho(channel: Channel, echo: string): void {
    if (this.closed) return;
    this.deliverHere(this.echoes.abandon(channel, echo));
  }

  /** The subscriber connection is gone, and with it every echo still to come: deliver those messages here. */
  private deliverUnechoed(): void {
    if (this.echoes.size === 0) return;
    const unechoed = this.echoes.takeAll();
    if (this.closed) return;
    this.logger.info({ messages: unechoed.length }, 'redis backplane delivering locally what its lost echo carried');
    this.deliverHere(unechoed);
  }

  /** To this process's own nodes only, in order (degraded delivery, or an echo that cannot come). */
  private deliverHere(messages: readonly QueuedMessage[]): void {
    for (const { channel, message } of messages) {
      this.counters.delivered_locally++;
      this.deliver(channel, message);
    }
  }

  private subscriberOnMessage(key: string, text: string): void {
    const channel = this.pubsub.channelOf(key);
    if (channel === null || !this.table.has(channel)) return;
    const decoded = decodeWire(text, channel);
    if (decoded === null) {
      // Something else published on our channel; say so once, not per message.
      if (this.counters.malformed++ === 0) {
        this.logger.warn({ channel }, 'redis backplane dropped a message that is not a backplane message');
      }
      return;
    }
    const { echo, ...message } = decoded;
    const heard = echo === undefined ? undefined : this.echoes.heard(channel, echo);
    if (heard?.drop === true) return;
    if (heard !== undefined) this.deliverHere(heard.before);
    this.counters.received++;
    this.deliver(channel, message);
    if (heard !== undefined) this.deliverHere(heard.after);
  }

  private deliver(channel: Channel, message: BackplaneMessage): void {
    for (const node of this.table.nodesOf(channel)) {
      if (node.closed || !node.channels.has(channel)) continue;
      try {
        node.listener(channel, message);
      } catch (error) {
        // One failing delivery must not stop the others, nor unwind into ioredis's reply parser.
        this.logger.error({ err: error, channel, type: message.type }, 'redis backplane delivery failed');
      }
    }
  }
}

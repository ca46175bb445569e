import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * Where the gateway's Redis is: one server (`url`), or a Redis Cluster named by some of its nodes (`cluster`,
 * `redis://host:port` each; the rest is discovered). Every Redis adapter of a gateway opens its connections
 * through `connectRedis`, so each one runs on either.
 */
/** Enough redirections for a slot that moved while resharding, not enough to stall a command for long. */
const CLUSTER_REDIRECTIONS = 3;
const CLUSTER_RETRY_DELAY_MS = 50;

export type RedisTarget = { readonly url: string } | { readonly cluster: readonly string[] };

/** The target options name: a cluster when given (it wins over a URL beside it), else the URL, else none. */
export function targetOf(options: {
  readonly url?: string | undefined;
  readonly cluster?: readonly string[] | undefined;
}): RedisTarget | undefined {
  if (options.cluster !== undefined) return { cluster: options.cluster };
  return options.url === undefined ? undefined : { url: options.url };
}

/**
 * A connection to the target. A Cluster client has the same command methods as a single-server one, so the
 * adapters take both as `Redis`; what differs (pipelines and scripts keep to one slot, SCAN runs per master,
 * pub/sub is sharded) they ask `isCluster` about.
 */
export function connectRedis(
  target: RedisTarget,
  settings: Omit<RedisOptions, 'replyMapping'>,
  { shardedSubscribers = false }: { shardedSubscribers?: boolean } = {},
): Redis {
  if ('url' in target) return new Redis(target.url, settings);
  if (target.cluster.length === 0) throw new TypeError('A Redis Cluster target needs at least one node.');
  const { retryStrategy, enableOfflineQueue, ...perNode } = settings;
  // ioredis types the per-node options apart from its single-server ones (`replyMapping`); they are the same.
  const cluster = new Cluster(target.cluster.map(clusterNode), {
    redisOptions: { ...perNode, ...credentialsOf(target.cluster[0] ?? '') },
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(typeof retryStrategy === 'function' ? { clusterRetryStrategy: (times: number) => retryStrategy(times) } : {}),
    // Reads go to masters: a replica may not have the room log's newest entries yet.
    scaleReads: 'master',
    // Fail fast, as a single server does with its offline queue off: a slot whose master is gone (or a cluster
    // that says it is down) would otherwise hold every command through 16 redirections, over a second each.
    maxRedirections: CLUSTER_REDIRECTIONS,
    retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
    retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
    retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
    shardedSubscribers,
  } as unknown as ConstructorParameters<typeof Cluster>[1]);
  return cluster as unknown as Redis;
}

export function isCluster(redis: Redis): boolean {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true;
}

/** A reply of one command among several: `[error, reply]`, as a pipeline gives them. */
export type KeyedReply = [Error | null, unknown];

/**
 * One command per key, `send` issuing the `index`th on the client it is handed, with the replies in order: one
 * pipeline on a single server, separate commands all in flight at once on a cluster (whose pipelines keep to
 * one node). `send` sees a pipeline as the client: it has the same command methods (scripts defined on the
 * connection included).
 */
export async function perKey(
  redis: Redis,
  count: number,
  send: (client: Redis, index: number) => unknown,
): Promise<KeyedReply[]> {
  if (!isCluster(redis)) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < count; i++) send(pipeline as unknown as Redis, i);
    return (await pipeline.exec()) ?? [];
  }
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      Promise.resolve(send(redis, i)).then(
        (reply): KeyedReply => [null, reply],
        (error: unknown): KeyedReply => [error instanceof Error ? error : new Error(String(error)), null],
      ),
    ),
  );
}

/** The masters of a cluster (each to be SCANned); the connection itself for one server. */
export function mastersOf(redis: Redis): Redis[] {
  return isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
}

/** `redis://[user:pass@]host:port` as ioredis's cluster node address. */
function clusterNode(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`A Redis Cluster node must be redis://host:port, got "${parsed.protocol}//${parsed.host}".`);
  }
  return { host: parsed.hostname, port: parsed.port === '' ? 6379 : Number(parsed.port) };
}

/** The first node's credentials and TLS stand for every node's (a cluster shares them). */
function credentialsOf(url: string): Partial<RedisOptions> {
  const parsed = new URL(url);
  return {
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

import type { Redis } from 'ioredis';
import type { Clock } from '../core/ports/clock';
import type { PresenceStore, StoredDevice } from '../core/ports/presence-store';
import { isCluster, mastersOf, perKey } from './connect';
import { nodeKey, presenceKey, presencePattern, sweeperLockKey } from './keys';
import type { RedisLink } from './link';

/** Upper bound of keys read per SCAN page and of pages per load (a bounded loop). */
const SCAN_COUNT = 500;
const MAX_SCAN_PAGES = 100_000;

/**
 * The snapshot in Redis: a hash per user, one field per session (JSON with `expires_at`), the hash expiring
 * a TTL after its last write; a liveness key per instance; the sweeper's lock. Commands go on the
 * backplane's command connection, so a field is written before the delta announcing it is published.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly clock: Clock;
  private readonly lockKey: string;
  private readonly cluster: boolean;

  constructor(
    link: RedisLink,
    private readonly ttlMs: number,
    private readonly onError: (error: unknown, operation: string) => void,
  ) {
    this.redis = link.commands;
    this.prefix = link.prefix;
    this.clock = link.clock;
    this.lockKey = sweeperLockKey(link.prefix);
    this.cluster = isCluster(link.commands);
  }

  put(device: StoredDevice): void {
    const key = presenceKey(this.prefix, device.user.id);
    this.redis
      .pipeline()
      .hset(key, device.session, JSON.stringify(device))
      .pexpire(key, this.ttlMs)
      .exec()
      .catch((error: unknown) => this.onError(error, 'put'));
  }

  remove(userId: string, sessionId: string): void {
    this.redis
      .hdel(presenceKey(this.prefix, userId), sessionId)
      .catch((error: unknown) => this.onError(error, 'remove'));
  }

  async refresh(node: string, ttlMs: number, devices: readonly StoredDevice[]): Promise<void> {
    const alive = String(this.clock.now());
    if (this.cluster) {
      // A cluster pipeline keeps to one node: one per user's key, all in flight at once.
      await Promise.all([
        this.redis.set(nodeKey(this.prefix, node), alive, 'PX', ttlMs),
        ...devices.map((device) => {
          const key = presenceKey(this.prefix, device.user.id);
          return this.redis.pipeline().hset(key, device.session, JSON.stringify(device)).pexpire(key, ttlMs).exec();
        }),
      ]);
      return;
    }
    const pipeline = this.redis.pipeline().set(nodeKey(this.prefix, node), alive, 'PX', ttlMs);
    for (const device of devices) {
      const key = presenceKey(this.prefix, device.user.id);
      pipeline.hset(key, device.session, JSON.stringify(device)).pexpire(key, ttlMs);
    }
    await pipeline.exec();
  }

  async load(now: number): Promise<StoredDevice[]> {
    const keys: string[] = [];
    // A cluster's keys are spread over its masters, and SCAN sees one node's only.
    for (const master of mastersOf(this.redis)) {
      let cursor = '0';
      for (let page = 0; page < MAX_SCAN_PAGES; page++) {
        const [next, found] = await master.scan(cursor, 'MATCH', presencePattern(this.prefix), 'COUNT', SCAN_COUNT);
        keys.push(...found);
        cursor = next;
        if (cursor === '0') break;
      }
    }
    if (keys.length === 0) return [];
    const replies = await perKey(this.redis, keys.length, (client, i) => client.hgetall(keys[i] as string));
    const out: StoredDevice[] = [];
    for (const [error, hash] of replies) {
      if (error !== null || typeof hash !== 'object' || hash === null) continue;
      for (const text of Object.values(hash as Record<string, string>)) {
        const device = readStored(text);
        if (device !== undefined && device.expires_at > now) out.push(device);
      }
    }
    return out;
  }

  async alive(nodes: readonly string[]): Promise<Set<string>> {
    const replies = await perKey(this.redis, nodes.length, (client, i) =>
      client.exists(nodeKey(this.prefix, nodes[i] as string)),
    );
    const out = new Set<string>();
    nodes.forEach((node, i) => {
      const [error, count] = replies[i] ?? [new Error('no reply'), 0];
      // Unknown counts as alive: never sweep on a failed read.
      if (error !== null || count !== 0) out.add(node);
    });
    return out;
  }

  async lock(owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.lockKey, owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async forget(node: string): Promise<void> {
    await this.redis.del(nodeKey(this.prefix, node));
  }
}

function readStored(text: string): StoredDevice | undefined {
  try {
    const value = JSON.parse(text) as Partial<StoredDevice>;
    if (
      typeof value.node !== 'string' ||
      typeof value.session !== 'string' ||
      typeof value.user?.id !== 'string' ||
      typeof value.device?.device_id !== 'string' ||
      typeof value.expires_at !== 'number' ||
      typeof value.updated_at !== 'string' ||
      !Array.isArray(value.rooms)
    ) {
      return undefined;
    }
    return value as StoredDevice;
  } catch {
    return undefined;
  }
}

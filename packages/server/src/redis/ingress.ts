import type { EventDefinition } from '@gateway/protocol';
import type { Gateway } from '../core/api';
import { type Clock, systemClock } from '../core/ports/clock';
import { type Logger, silentLogger } from '../core/ports/logger';
import { createPublicationValidator, deliverPublication } from '../ingress/publication';
import { connectRedis, type RedisTarget } from './connect';
import { replyErrorCode } from './errors';
import { DEFAULT_REDIS_PREFIX, ingressKey } from './keys';

/** The consumer group every gateway instance reads the ingress stream through. */
export const INGRESS_GROUP = 'gateways';

export interface RedisIngressOptions {
  /** The Redis (one server or a cluster); the ingress opens its own connection (its reads block). */
  target: RedisTarget;
  gateway: Pick<Gateway, 'broadcast' | 'send'>;
  /** This instance's consumer name in the group (its server id). */
  consumer: string;
  events?: readonly EventDefinition[];
  /** @default 'gw:' */
  prefix?: string;
  logger?: Logger;
  /** How long one read waits for entries. @default 2000 */
  blockMs?: number;
  /** Pause after a failed read before the next, while Redis is away. @default 1000 */
  retryMs?: number;
  /** Times the pause after a failed read. @default the system clock */
  clock?: Clock;
}

export interface RedisIngress {
  /** Stops reading and closes the connection. */
  close(): Promise<void>;
}

type Entry = [id: string, fields: string[]];

/** The per-stream entry lists of an XREADGROUP reply: RESP2 `[[stream, entries], …]`, RESP3 flat `[stream, entries, …]`. */
function entryLists(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) return [];
  if (typeof reply[0] === 'string') return reply.filter((_, i) => i % 2 === 1);
  return reply.map((stream: unknown) => (Array.isArray(stream) ? stream[1] : undefined));
}

/** Entries (`[id, [field, value, …]]`) out of an XREADGROUP reply, skipping anything malformed. */
function entriesOf(reply: unknown): Entry[] {
  const entries: Entry[] = [];
  for (const items of entryLists(reply)) {
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
      const fields: unknown = item[1];
      entries.push([item[0], Array.isArray(fields) ? fields.filter((field) => typeof field === 'string') : []]);
    }
  }
  return entries;
}

function fieldsToRecord(fields: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] as string] = fields[i + 1] as string;
  return record;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads `{prefix}ingress` through the consumer group `gateways`: Redis hands each entry to one instance
 * only, which validates it like POST /publish, gives it to the gateway (whose backplane fans it out to
 * every instance) and then XACKs it. Invalid entries are logged and acknowledged, so they do not come back.
 */
export function startRedisIngress(options: RedisIngressOptions): RedisIngress {
  const { gateway, consumer, blockMs = 2000, retryMs = 1000 } = options;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const key = ingressKey(options.prefix ?? DEFAULT_REDIS_PREFIX);
  const validate = createPublicationValidator(options.events);
  // Reads wait through a Redis outage instead of failing at once; nothing else uses this connection.
  const redis = connectRedis(options.target, { maxRetriesPerRequest: null });
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'ingress Redis connection error'));
  let closed = false;
  let wake: (() => void) | undefined;

  let grouped = false;

  /**
   * From the stream's start (`0`), not `$`: entries written before the first instance made the group are
   * still delivered, so no publication is lost to start-up order. The stream is capped, so that is bounded.
   */
  async function ensureGroup(): Promise<void> {
    try {
      await redis.xgroup('CREATE', key, INGRESS_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      // BUSYGROUP: another instance (or an earlier run) made it.
      if (replyErrorCode(error) !== 'BUSYGROUP') throw error;
    }
    grouped = true;
  }

  function handle(id: string, fields: readonly string[]): void {
    const record = fieldsToRecord(fields);
    const target = parseJson(record.target);
    const body = typeof target === 'object' && target !== null ? { ...target } : {};
    const result = validate({ ...body, type: record.type, payload: parseJson(record.payload) });
    if (!result.ok) {
      logger.warn({ id, error: result.error, issues: result.issues }, 'ingress entry refused');
      return;
    }
    deliverPublication(gateway, result.publication);
  }

  function pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = clock.setTimeout(resolve, retryMs);
      wake = () => {
        clock.clearTimeout(timer);
        resolve();
      };
    });
  }

  async function readOnce(): Promise<void> {
    if (!grouped) await ensureGroup();
    const reply = await redis.call(
      'XREADGROUP',
      'GROUP',
      INGRESS_GROUP,
      consumer,
      'COUNT',
      100,
      'BLOCK',
      blockMs,
      'STREAMS',
      key,
      '>',
    );
    const entries = entriesOf(reply);
    if (entries.length === 0) return;
    for (const [id, fields] of entries) {
      try {
        handle(id, fields);
      } catch (error) {
        logger.error({ err: error, id }, 'ingress delivery failed');
      }
    }
    await redis.xack(key, INGRESS_GROUP, ...entries.map(([id]) => id));
  }

  async function run(): Promise<void> {
    // Runs until close(); each turn blocks in Redis for at most blockMs, or pauses retryMs after a failure.
    while (!closed) {
      try {
        await readOnce();
      } catch (error) {
        if (closed) return;
        logger.warn({ err: error }, 'ingress read failed; retrying');
        // A restarted Redis has lost the group (NOGROUP): make it again before the next read.
        if (replyErrorCode(error) === 'NOGROUP') grouped = false;
        await pause();
      }
    }
  }

  // Not awaited: with Redis away at start the loop waits for it while the server already serves.
  const running = run();
  return {
    async close() {
      if (closed) return;
      closed = true;
      wake?.();
      // Fails the blocked read at once; the loop sees `closed` and ends.
      redis.disconnect();
      await running;
    },
  };
}

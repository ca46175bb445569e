import type { ChatMessage } from '@gateway/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger';

/**
 * Chat messages an instance acked but has not published yet (its persistMessage hook still running), so that
 * when the instance dies meanwhile another one can finish the job: the sender holds an ack and never retries.
 */
export interface UnpublishedStore {
  /** Notes an accepted message; written before its ack goes out. Fire and forget. */
  add(node: string, message: ChatMessage): void;
  /** The message is published (or failed for good): nothing left to rescue. Fire and forget. */
  done(node: string, messageId: string): void;
  /** Instances with messages noted, dead or alive. */
  nodes(): Promise<string[]>;
  /** Takes every message a gone instance left, atomically: whoever takes them publishes them. */
  take(node: string): Promise<ChatMessage[]>;
}

/** `{prefix}unpublished:{server_id}`: hash, field message_id → JSON ChatMessage. */
export function unpublishedKey(prefix: string, node: string): string {
  return `${prefix}unpublished:${node}`;
}

/** `{prefix}unpublished-nodes`: set of the instances that have such a hash, so a sweep need not SCAN. */
export function unpublishedNodesKey(prefix: string): string {
  return `${prefix}unpublished-nodes`;
}

export class RedisUnpublishedStore implements UnpublishedStore {
  private readonly nodesKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.nodesKey = unpublishedNodesKey(prefix);
  }

  add(node: string, message: ChatMessage): void {
    this.redis
      .multi()
      .hset(unpublishedKey(this.prefix, node), message.message_id, JSON.stringify(message))
      .sadd(this.nodesKey, node)
      .exec()
      .catch((error: unknown) => this.failed(error, 'add'));
  }

  done(node: string, messageId: string): void {
    this.redis.hdel(unpublishedKey(this.prefix, node), messageId).catch((error: unknown) => this.failed(error, 'done'));
  }

  async nodes(): Promise<string[]> {
    return this.redis.smembers(this.nodesKey);
  }

  async take(node: string): Promise<ChatMessage[]> {
    const key = unpublishedKey(this.prefix, node);
    const replies = await this.redis.multi().hgetall(key).del(key).srem(this.nodesKey, node).exec();
    const [error, fields] = replies?.[0] ?? [null, {}];
    if (error !== null) throw error;
    const out: ChatMessage[] = [];
    for (const text of Object.values((fields ?? {}) as Record<string, string>)) {
      try {
        out.push(JSON.parse(text) as ChatMessage);
      } catch {
        this.logger.warn({ node }, 'an unpublished message in Redis is not JSON; dropped');
      }
    }
    // Accepted in this order (message ids sort by time), so they are published in it.
    return out.sort((a, b) => (a.message_id < b.message_id ? -1 : a.message_id > b.message_id ? 1 : 0));
  }

  private failed(error: unknown, operation: string): void {
    this.logger.warn({ err: error, operation }, 'unpublished-message note failed in Redis');
  }
}

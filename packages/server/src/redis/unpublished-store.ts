import type { ChatMessage } from '@gateway/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/ports/logger';
import type { UnpublishedStore } from '../core/ports/unpublished-store';
import { unpublishedKey, unpublishedNodesKey } from './keys';

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

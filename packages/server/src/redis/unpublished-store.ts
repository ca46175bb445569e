import type { ChatMessage } from '@gateway/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/ports/logger';
import type { UnpublishedStore } from '../core/ports/unpublished-store';
import { isCluster } from './connect';
import { replyErrorCode } from './errors';
import { unpublishedKey, unpublishedNodesKey } from './keys';

export class RedisUnpublishedStore implements UnpublishedStore {
  private readonly nodesKey: string;
  /** Redis could not be reached for the last note: said once per outage, not per message. */
  private unreachable = false;
  /**
   * On a cluster the node's hash and the set of nodes live on different masters, so no MULTI spans them: the
   * node joins the set once, before its first note (a live node is never taken out of it).
   */
  private readonly cluster: boolean;
  private registered = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.nodesKey = unpublishedNodesKey(prefix);
    this.cluster = isCluster(redis);
  }

  /**
   * One round trip (HSET and SADD in one MULTI). Rejects when Redis answered with an error (out of memory, a
   * read-only replica…): the send is then refused, not acked. While Redis cannot be reached at all (not
   * connected, the connection lost under the command, no answer in time) the gateway is degraded as
   * docs/scale-out.md ("Trouble") says: the backplane delivers to this instance's sessions only, nobody else
   * could rescue the message, and local chat goes on, so it resolves without a note.
   */
  async add(node: string, message: ChatMessage): Promise<void> {
    let replies: [Error | null, unknown][] | null;
    try {
      const key = unpublishedKey(this.prefix, node);
      const text = JSON.stringify(message);
      if (this.cluster) {
        if (!this.registered) await this.redis.sadd(this.nodesKey, node);
        this.registered = true;
        replies = await this.redis.multi().hset(key, message.message_id, text).exec();
      } else {
        replies = await this.redis.multi().hset(key, message.message_id, text).sadd(this.nodesKey, node).exec();
      }
    } catch (error) {
      if (replyErrorCode(error) !== undefined) throw error;
      if (!this.unreachable) this.logger.warn({ err: error }, 'Redis unreachable: chat messages accepted un-noted');
      this.unreachable = true;
      return;
    }
    this.unreachable = false;
    // exec() answers null for a discarded transaction, and each command's error reply inside its replies.
    if (replies === null) throw new Error('Redis discarded the unpublished-message note');
    for (const [error] of replies) if (error !== null) throw error;
  }

  done(node: string, messageId: string): void {
    this.redis.hdel(unpublishedKey(this.prefix, node), messageId).catch((error: unknown) => this.failed(error, 'done'));
  }

  async nodes(): Promise<string[]> {
    return this.redis.smembers(this.nodesKey);
  }

  async take(node: string): Promise<ChatMessage[]> {
    const key = unpublishedKey(this.prefix, node);
    const replies = this.cluster
      ? await this.redis.multi().hgetall(key).del(key).exec()
      : await this.redis.multi().hgetall(key).del(key).srem(this.nodesKey, node).exec();
    if (this.cluster) await this.redis.srem(this.nodesKey, node);
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

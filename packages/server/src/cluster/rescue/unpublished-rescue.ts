import type { ChatMessage } from '@gateway/protocol';
import type { Clock, TimerHandle } from '../../core/ports/clock';
import type { Logger } from '../../core/ports/logger';
import type { UnpublishedStore } from '../../core/ports/unpublished-store';

export interface UnpublishedRescueOptions {
  readonly store: UnpublishedStore;
  readonly serverId: string;
  /** Which of these instances are gone (liveness keys and the presence channel tell). */
  readonly gone: (nodes: readonly string[]) => Promise<string[]>;
  /** Publishes an accepted message as its own instance would have (persist hook, history, the room). */
  readonly publish: (message: ChatMessage) => Promise<void> | undefined;
  readonly clock: Clock;
  readonly periodMs: number;
  readonly logger: Logger;
}

/**
 * An acked send leaves the sender with no reason to retry: when the instance that accepted it dies before
 * publishing it (its persistMessage hook still running, or its history write and publish not yet out; the ack
 * waits for the note, see `accept` in core/handlers/chat.ts), another instance must publish it. Each round
 * takes the notes gone instances left, atomically (one instance publishes each batch), and publishes them in
 * the order they were accepted; publishing is once-only, so a message its instance did publish just before
 * dying is not delivered twice.
 */
export class UnpublishedRescue {
  private timer: TimerHandle | undefined;
  private running = false;
  private closed = false;

  constructor(private readonly options: UnpublishedRescueOptions) {
    this.schedule();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.schedule();
      void this.round();
    }, this.options.periodMs);
  }

  private async round(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      await this.rescue();
    } catch (error) {
      this.options.logger.debug({ err: error }, 'unpublished rescue failed');
    } finally {
      this.running = false;
    }
  }

  private async rescue(): Promise<void> {
    const { store, serverId, logger } = this.options;
    const candidates = (await store.nodes()).filter((node) => node !== serverId);
    if (candidates.length === 0) return;
    for (const node of await this.options.gone(candidates)) {
      if (this.closed) return;
      const messages = await store.take(node);
      if (messages.length === 0) continue;
      logger.warn(
        { node, messages: messages.length },
        'publishing the messages a gone instance accepted but had not published',
      );
      // One after another, in the order they were accepted.
      for (const message of messages) {
        try {
          await this.options.publish(message);
        } catch (error) {
          logger.error({ err: error, message_id: message.message_id }, 'could not publish a rescued message');
        }
      }
    }
  }
}

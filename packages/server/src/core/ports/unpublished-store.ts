import type { ChatMessage } from '@gateway/protocol';
import type { MaybePromise } from '../maybe-promise';

/**
 * Chat messages an instance accepted but has not published yet, so that when the instance dies meanwhile
 * another one can finish the job: the sender holds an `accepted` ack and never retries. A shared store (Redis)
 * only: in one process nobody else could publish them.
 */
export interface UnpublishedStore {
  /**
   * Notes an accepted message. The ack waits for it: it returns (sync) or resolves once the note is where
   * another instance will find it, and throws or rejects when the store refused it, so the send is refused
   * rather than acked. A store that cannot be reached at all may resolve without a note: the gateway is then
   * degraded, delivering to this instance's sessions only, and nobody else could rescue the message anyway.
   */
  add(node: string, message: ChatMessage): MaybePromise<void>;
  /** The message is published (or failed for good): nothing left to rescue. Fire and forget. */
  done(node: string, messageId: string): void;
  /** Instances with messages noted, dead or alive. */
  nodes(): Promise<string[]>;
  /** Takes every message a gone instance left, atomically: whoever takes them publishes them. */
  take(node: string): Promise<ChatMessage[]>;
}

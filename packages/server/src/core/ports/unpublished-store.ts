import type { ChatMessage } from '@gateway/protocol';

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

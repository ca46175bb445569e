import type { ChatMessage } from '@gateway/protocol';

/** The ack a chat send earned, kept for the dedup window so a retry gets the same one. */
export interface ChatSendAck {
  status: 'accepted';
  message_id: string;
  client_msg_id: string;
  room_id: string;
}

/**
 * What a chat send's dedup claim keeps: the ack for retries and, only where another instance may have to
 * finish the job (shared state), the message itself, so a retry can still publish it when the instance that
 * accepted it died before publishing (the publish is once-only). In one process nobody else could: the claim
 * is its ids and ack, a few hundred bytes, whatever the message's size.
 */
export interface AcceptedSend {
  ack: ChatSendAck;
  message?: ChatMessage;
}

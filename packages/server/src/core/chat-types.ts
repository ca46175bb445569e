import type { ChatMessage } from '@gateway/protocol';

/** The ack a chat send earned, kept for the dedup window so a retry gets the same one. */
export interface ChatSendAck {
  status: 'accepted';
  message_id: string;
  client_msg_id: string;
  room_id: string;
}

/**
 * What a chat send's dedup claim keeps: the ack for retries, and the message itself, so a retry can still
 * publish it when the instance that accepted it died before publishing (the publish is once-only).
 */
export interface AcceptedSend {
  ack: ChatSendAck;
  message: ChatMessage;
}

import type { GatewayClient } from '@gateway/client';
import type { TailOutput } from './output';
import {
  chatMessage,
  messageDeleted,
  messageEdited,
  presenceChanges,
  roomsRevoked,
  streamEnded,
  systemNotice,
  typingStarted,
  typingStopped,
} from './seen';

/** The room events, printed as they come. */
export function printRoomEvents(client: GatewayClient, out: TailOutput): void {
  client.on('chat.message', (message) => out.seen(chatMessage(message)));
  client.on('chat.message.update', (update) => out.seen(messageEdited(update)));
  client.on('chat.message.delete', (deleted) => out.seen(messageDeleted(deleted)));
  client.on('chat.stream_end', (end) => out.seen(streamEnded(end)));
  client.on('presence.diff', (diff) => {
    for (const seen of presenceChanges(diff, client.user?.id)) out.seen(seen);
  });
  client.on('typing.start', (typing) => out.seen(typingStarted(typing)));
  client.on('typing.stop', (typing) => out.seen(typingStopped(typing)));
  client.on('system', (notice) => out.seen(systemNotice(notice)));
  // tail never unsubscribes, so every `unsubscribed` is the server taking a room away.
  client.on('unsubscribed', (revoked) => out.seen(roomsRevoked(revoked)));
}

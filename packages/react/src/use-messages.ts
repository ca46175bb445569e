import type { SendMessageOptions } from '@gateway/client';
import { useMemo } from 'react';
import { useGatewayContext } from './context';
import { newClientMsgId } from './ids';
import { emptyList } from './message-list';
import type { MessageHole, MessageItem } from './message-types';
import { useRoomStore } from './use-room-store';

export interface RoomMessages {
  /** The room's messages, oldest first, then this client's sends not yet confirmed (`pending` or `failed`). */
  readonly messages: readonly MessageItem[];
  /** True once the room's history arrived. */
  readonly loaded: boolean;
  /**
   * Messages the list lacks after a recovery that was not whole (the client was away longer than its session
   * lasted and the server no longer had all it missed): where they would be (`after`), which offsets and why.
   * Undefined when the list lacks nothing; cleared when a refetch of the room reaches back past it, or by
   * `dismissHole()`. The same object while it does not change.
   */
  readonly hole: MessageHole | undefined;
  /** Shows the message at once (`pending`) and sends it; returns its `client_msg_id`. */
  send(content: string, options?: SendMessageOptions): string;
  /** Sends a `failed` message again, under the same `client_msg_id`. */
  retry(clientMsgId: string): void;
  /** Drops a `failed` (or pending) message from the list; a send still on its way may yet arrive. */
  discard(clientMsgId: string): void;
  /** The app filled the hole (say from `client.history`) or will do without: `hole` becomes undefined. */
  dismissHole(): void;
}

/**
 * A room's messages, subscribing to the room while mounted: its history, then live messages, edits and
 * deletions, with this client's sends shown at once and replaced by the server's copy when it arrives.
 * After a `reset` the history is fetched again and replaces the list. A room the server could not bring back
 * whole after the client's session was lost shows the `hole`.
 */
export function useMessages(roomId: string): RoomMessages {
  const { client, rooms } = useGatewayContext('useMessages');
  const list = useRoomStore(rooms, roomId, (store) => store.messages, emptyList);
  const actions = useMemo(
    () => ({
      send(content: string, options?: SendMessageOptions): string {
        if (rooms === null || client === null) throw new Error('useMessages: send() has no client on the server.');
        // A send outside the room's lifetime (before the first effect, after unmount) still goes, unshown.
        const store = rooms.peek(roomId);
        if (store !== undefined) return store.send(content, options);
        const clientMsgId = options?.clientMsgId ?? newClientMsgId();
        client.sendMessage(roomId, content, { ...options, clientMsgId }).catch(() => {});
        return clientMsgId;
      },
      retry: (clientMsgId: string) => rooms?.peek(roomId)?.retry(clientMsgId),
      discard: (clientMsgId: string) => rooms?.peek(roomId)?.discard(clientMsgId),
      dismissHole: () => rooms?.peek(roomId)?.dismissHole(),
    }),
    [client, rooms, roomId],
  );
  return useMemo(() => ({ messages: list.items, loaded: list.loaded, hole: list.hole, ...actions }), [list, actions]);
}

import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { useGatewayContext } from './context';
import { listenTo } from './listen';
import { shallowEqual } from './shallow-equal';
import { holdRoom } from './use-room-store';

export interface RoomTyping {
  /** Who is typing in the room (user ids, in the order they started), this user never among them. */
  readonly users: readonly string[];
  /**
   * Call on every keystroke: the client tells the room at most once per 2 s (the protocol's throttle), and
   * the server shows the indicator for 10 s after the last one. Sending a message ends it.
   */
  notifyTyping(): void;
  /** Ends this user's indicator now (the input was cleared or left). */
  stopTyping(): void;
}

const NOBODY: readonly string[] = [];
const nobody = () => NOBODY;

/** Who is typing in a room, and a throttled notifier for this user's typing; subscribes to the room while mounted. */
export function useTyping(roomId: string): RoomTyping {
  const { client, rooms } = useGatewayContext('useTyping');
  const read = useMemo(() => {
    let last = NOBODY;
    return () => {
      const users = client?.typing.inRoom(roomId) ?? NOBODY;
      if (!shallowEqual(users, last)) last = users;
      return last;
    };
  }, [client, roomId]);
  const subscribe = useCallback(
    (changed: () => void) => {
      if (client === null) return () => {};
      const release = holdRoom(rooms, roomId);
      const stop = listenTo(client, { typing: (change) => change.room_id === roomId && changed() });
      return () => {
        stop();
        release();
      };
    },
    [client, rooms, roomId],
  );
  const users = useSyncExternalStore(subscribe, read, nobody);
  return useMemo(
    () => ({
      users,
      notifyTyping: () => client?.startTyping(roomId),
      stopTyping: () => client?.stopTyping(roomId),
    }),
    [users, client, roomId],
  );
}

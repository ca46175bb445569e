import { useCallback, useSyncExternalStore } from 'react';
import type { RoomRegistry } from './room-registry';
import type { RoomStore } from './room-store';

const nothing = () => () => {};

/**
 * Reads one room's store and holds the room while the component is mounted: React subscribes in an effect
 * (twice under StrictMode, which the registry's count absorbs) and re-subscribes when the room changes.
 * Before the first subscription and while rendering on a server, `initial` stands in.
 */
export function useRoomStore<T>(
  rooms: RoomRegistry | null,
  roomId: string,
  read: (store: RoomStore) => T,
  initial: T,
): T {
  const subscribe = useCallback(
    (changed: () => void) => {
      if (rooms === null) return () => {};
      const { store, release } = rooms.hold(roomId);
      const stop = store.listeners.add(changed);
      return () => {
        stop();
        release();
      };
    },
    [rooms, roomId],
  );
  const get = () => {
    const store = rooms?.peek(roomId);
    return store === undefined ? initial : read(store);
  };
  return useSyncExternalStore(rooms === null ? nothing : subscribe, get, () => initial);
}

/** Holds a room (when given one) for a hook whose data comes from the client rather than the room's store. */
export function holdRoom(rooms: RoomRegistry | null, roomId: string | undefined): () => void {
  if (rooms === null || roomId === undefined) return () => {};
  return rooms.hold(roomId).release;
}

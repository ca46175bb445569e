import { useGatewayContext } from './context';
import { type RoomStatus, SUBSCRIBING } from './room-status';
import { useRoomStore } from './use-room-store';

/**
 * Subscribes to a room while the component is mounted (once per client however many components use it) and
 * returns where the subscription is: `subscribing`, `subscribed`, `refused` (the server's `code` and
 * `message`) or `error`.
 */
export function useRoom(roomId: string): RoomStatus {
  const { rooms } = useGatewayContext('useRoom');
  return useRoomStore(rooms, roomId, (store) => store.status, SUBSCRIBING);
}

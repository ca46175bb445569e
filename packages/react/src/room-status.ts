import type { GatewayClientError } from '@gateway/client';

/**
 * Where a room's subscription is: asked for (also during server rendering and before the first effect),
 * granted, refused by the server (its `code` and `message`; `code: 'unsubscribed'` when the server took the
 * connection out of the room later), or failed for another reason (`error`: the client closed, a timeout).
 */
export type RoomStatus =
  | { readonly status: 'subscribing' }
  | { readonly status: 'subscribed' }
  | { readonly status: 'refused'; readonly code: string; readonly message: string }
  | { readonly status: 'error'; readonly error: GatewayClientError };

export const SUBSCRIBING: RoomStatus = { status: 'subscribing' };
export const SUBSCRIBED: RoomStatus = { status: 'subscribed' };

interface Refusal {
  readonly room_id: string;
  readonly code: string;
  readonly message: string;
}

/** The refusal of `roomId` in a `subscribed` or `ready` payload's `refused`, or a `subscribe_refused` error's details. */
export function refusalOf(refused: unknown, roomId: string): RoomStatus | undefined {
  if (!Array.isArray(refused)) return undefined;
  const found = (refused as Refusal[]).find((entry) => entry?.room_id === roomId);
  return found === undefined ? undefined : { status: 'refused', code: found.code, message: found.message };
}

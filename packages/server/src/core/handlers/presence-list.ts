import type { ClientFrameOf } from '@gateway/protocol';
import type { Parts } from '../parts';
import { pageBytesFor } from '../presence/pages';
import type { Session } from '../session';
import { requireRoom } from './chat';

/** A page when the request names no `limit`. */
export const DEFAULT_PRESENCE_PAGE = 100;

/**
 * One page of presence in user id order, so a client pages through any number of users with `after` and the
 * server keeps no cursor. The global scope exists only with global presence on; a room needs a subscription.
 * Everyone online and each room's members are walked from `after` in indexes kept sorted (no sort per
 * page). A page holds at most `limit` entries, fewer when they pass the page's bytes (`next` says
 * there is more).
 */
export function onPresenceList(
  rt: Pick<Parts, 'presence' | 'replies' | 'options'>,
  session: Session,
  frame: ClientFrameOf<'presence.list'>,
): void {
  const { room_id: roomId, after, limit = DEFAULT_PRESENCE_PAGE } = frame.payload;
  if (roomId !== undefined) {
    if (!requireRoom(rt, session, roomId, frame.ref)) return;
  } else if (!rt.options.globalPresence) {
    rt.replies.fail(session, 'forbidden', 'Global presence is off on this server; ask for a room.', frame.ref);
    return;
  }
  const page = rt.presence.page(roomId, after, limit, pageBytesFor(rt.options.maxBufferedBytes));
  rt.replies.ack(
    session,
    {
      ...(roomId === undefined ? {} : { room_id: roomId }),
      presence: page.entries,
      ...(page.next === undefined ? {} : { next: page.next }),
    },
    frame.ref,
  );
}

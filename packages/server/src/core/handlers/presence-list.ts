import type { ClientFrameOf, PresenceEntry } from '@gateway/protocol';
import type { Parts } from '../parts';
import type { Session } from '../session';
import { requireRoom } from './chat';

/** A page when the request names no `limit`. */
export const DEFAULT_PRESENCE_PAGE = 100;

/**
 * One page of presence in user id order, so a client pages through any number of users with `after` and the
 * server keeps no cursor. The global scope exists only with global presence on; a room needs a subscription.
 */
export function onPresenceList(
  rt: Pick<Parts, 'presence' | 'replies' | 'options'>,
  session: Session,
  frame: ClientFrameOf<'presence.list'>,
): void {
  const { room_id: roomId, after, limit = DEFAULT_PRESENCE_PAGE } = frame.payload;
  let entries: PresenceEntry[];
  if (roomId !== undefined) {
    if (!requireRoom(rt, session, roomId, frame.ref)) return;
    entries = rt.presence.roomMembers(roomId);
  } else if (rt.options.globalPresence) {
    entries = rt.presence.list();
  } else {
    rt.replies.fail(session, 'forbidden', 'Global presence is off on this server; ask for a room.', frame.ref);
    return;
  }
  const page = pageByUserId(entries, after, limit);
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

/** The first `limit` entries whose user id sorts after `after`, and the cursor of the next page if any. */
export function pageByUserId(
  entries: readonly PresenceEntry[],
  after: string | undefined,
  limit: number,
): { entries: PresenceEntry[]; next?: string } {
  const sorted = entries.filter((entry) => after === undefined || entry.user_id > after);
  sorted.sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
  const page = sorted.slice(0, limit);
  const last = page[page.length - 1];
  return sorted.length > limit && last !== undefined ? { entries: page, next: last.user_id } : { entries: page };
}

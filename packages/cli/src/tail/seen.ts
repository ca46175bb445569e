import type { ServerPayloads } from '@gateway/client';

/** One thing `tail` saw, as both outputs need it: the text line's words and the JSON line's data. */
export interface Seen {
  /** The event's name: a frame type (`chat.message`) or a connection change (`reconnecting`). */
  readonly event: string;
  readonly room?: string | undefined;
  readonly text: string;
  readonly data: unknown;
  /** When it happened, when the event says (a message's `created_at`); else when it arrived. */
  readonly at?: number | undefined;
}

type Payload<K extends keyof ServerPayloads> = ServerPayloads[K];

/** `Alice (alice)`, or the id alone when there is no other name. */
export function who(id: string, name?: string): string {
  return name === undefined || name === '' || name === id ? id : `${name} (${id})`;
}

function timeOf(timestamp: string): number | undefined {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms;
}

export function chatMessage(message: Payload<'chat.message'>, event = 'chat.message'): Seen {
  const text = `${who(message.sender_id, message.sender_name)}: ${message.content}`;
  return { event, room: message.room_id, text, data: message, at: timeOf(message.created_at) };
}

export function messageEdited(update: Payload<'chat.message.update'>): Seen {
  const text = `edited ${update.message_id}: ${update.content}`;
  return { event: 'chat.message.update', room: update.room_id, text, data: update, at: timeOf(update.edited_at) };
}

export function messageDeleted(deleted: Payload<'chat.message.delete'>): Seen {
  return { event: 'chat.message.delete', room: deleted.room_id, text: `deleted ${deleted.message_id}`, data: deleted };
}

/** A streamed message once whole; the chunks themselves are not printed. */
export function streamEnded(end: Payload<'chat.stream_end'>): Seen {
  if (end.message !== undefined) return chatMessage(end.message, 'chat.stream_end');
  return { event: 'chat.stream_end', room: end.room_id, text: `stream ${end.stream_id} ended`, data: end };
}

/**
 * One line per user a presence diff names: `+` joined, `~` updated, `-` left; the JSON line's data is the
 * user's entry (or id) with the scope's count after the diff. The tail's own user is left out.
 */
export function presenceChanges(diff: Payload<'presence.diff'>, self: string | undefined): Seen[] {
  const { room_id: room, count } = diff;
  const seen: Seen[] = [];
  for (const entry of diff.joined ?? []) {
    if (entry.user_id === self) continue;
    const text = `+ ${who(entry.user_id, entry.display_name)} (${entry.status})`;
    seen.push({ event: 'presence.joined', room, text, data: { presence: entry, count } });
  }
  for (const entry of diff.updated ?? []) {
    if (entry.user_id === self) continue;
    const text = `~ ${who(entry.user_id, entry.display_name)} is ${entry.status}`;
    seen.push({ event: 'presence.updated', room, text, data: { presence: entry, count } });
  }
  for (const userId of diff.left ?? []) {
    if (userId === self) continue;
    seen.push({ event: 'presence.left', room, text: `- ${userId} left`, data: { user_id: userId, count } });
  }
  return seen;
}

export function typingStarted(typing: Payload<'typing.start'>): Seen {
  const text = `${who(typing.user_id, typing.display_name)} is typing`;
  return { event: 'typing.start', room: typing.room_id, text, data: typing };
}

export function typingStopped(typing: Payload<'typing.stop'>): Seen {
  return { event: 'typing.stop', room: typing.room_id, text: `${typing.user_id} stopped typing`, data: typing };
}

export function systemNotice(notice: Payload<'system'>): Seen {
  return {
    event: 'system',
    text: `[system${notice.level === undefined ? '' : ` ${notice.level}`}] ${notice.message}`,
    data: notice,
  };
}

/** Rooms the server took away (a kick, a lost permission): `unsubscribed` without a request of ours. */
export function roomsRevoked(revoked: Payload<'unsubscribed'>): Seen {
  const rooms = revoked.room_ids.map((room) => `#${room}`).join(', ');
  return { event: 'unsubscribed', text: `the server unsubscribed this session from ${rooms}`, data: revoked };
}

import { ChatMessage, type HistoryCursor, parsePreparedPayload, type StreamPosition } from '@gateway/protocol';
import { andThen, type MaybePromise } from '../maybe-promise';
import type { RoomLogRead, RoomLogs } from '../ports/room-logs';

/** A `chat.history` range in message ids, its room stream positions placed. */
export interface PlacedRange {
  /** Exclusive bounds. */
  readonly after?: string | undefined;
  readonly before?: string | undefined;
  /**
   * The first message published after an `after` position, as the log has it (with later edits): the range
   * starts with it, and its id is the `after` bound, so it is added to the page by itself. Absent once deleted.
   */
  readonly first?: ChatMessage | undefined;
  /** Nothing can lie in range: the room published no message after the `after` position. */
  readonly empty?: boolean;
}

export type Placement =
  | { readonly ok: true; readonly range: PlacedRange }
  | { readonly ok: false; readonly why: string };

const isPosition = (cursor: HistoryCursor | undefined): cursor is StreamPosition =>
  cursor !== undefined && !('message_id' in cursor);

const idOf = (cursor: HistoryCursor | undefined): string | undefined =>
  cursor !== undefined && 'message_id' in cursor ? cursor.message_id : undefined;

const refuse = (why: string): Placement => ({ ok: false, why });

/**
 * Turns the positions among a request's cursors into message ids with the room's log: `after` a position is
 * from the first chat message published after it, `before` one is up to the first published at or after it.
 * The log is read once, from the oldest offset needed to the head, at most `maxScan` dispatches (`maxRecover`,
 * so a request costs no more than a recovery): a position further back, of another epoch, ahead of the room
 * or older than the log keeps is refused, for the app to page by message id.
 */
export function placeCursors(
  logs: RoomLogs | undefined,
  roomId: string,
  before: HistoryCursor | undefined,
  after: HistoryCursor | undefined,
  maxScan: number,
): MaybePromise<Placement> {
  const range = { after: idOf(after), before: idOf(before) };
  const from = isPosition(after) ? after : undefined;
  const to = isPosition(before) ? before : undefined;
  if (from === undefined && to === undefined) return { ok: true, range };
  if (logs === undefined) return refuse('This server keeps no room log to place a position in.');
  if (from !== undefined && to !== undefined && from.epoch !== to.epoch) {
    return refuse('The two positions are of different epochs.');
  }
  const epoch = (from ?? to)?.epoch ?? '';
  // The first offset whose dispatch matters: the one after `after`, or `before` itself.
  const start = Math.max(1, Math.min(from === undefined ? Infinity : from.offset + 1, to?.offset ?? Infinity));
  return andThen(logs.read(roomId, { epoch, offset: start - 1 }, maxScan), (read) => {
    const why = unreachable(read, epoch, start, from, to, maxScan);
    return why === undefined ? { ok: true, range: { ...range, ...placed(read, from, to) } } : refuse(why);
  });
}

/** Why the read cannot place the positions, if it cannot. */
function unreachable(
  read: RoomLogRead,
  epoch: string,
  start: number,
  from: StreamPosition | undefined,
  to: StreamPosition | undefined,
  maxScan: number,
): string | undefined {
  if (read.epoch !== epoch) return 'The room has started another epoch since that position.';
  if ((from !== undefined && from.offset > read.head) || (to !== undefined && to.offset > read.head + 1)) {
    return 'The position is ahead of the room.';
  }
  if (start > read.head) return undefined;
  if (start < read.first) return 'The room log no longer reaches back to that position.';
  // Entries come newest first up to the limit (or the age bound): a short read did not reach back to `start`.
  if (read.entries.length !== read.head - start + 1) {
    return `The position is more than ${maxScan} dispatches back, or older than the room log keeps.`;
  }
  return undefined;
}

interface Said {
  readonly type: string;
  readonly offset: number;
  readonly payload: { readonly message_id?: unknown; readonly message?: unknown };
}

/** The bounds the log's dispatches give, with the first message after `from` as the log has it now. */
function placed(read: RoomLogRead, from: StreamPosition | undefined, to: StreamPosition | undefined): PlacedRange {
  let first: Said | undefined;
  let upper: string | undefined;
  const said: Said[] = [];
  for (const { offset, message } of read.entries) {
    // Only chat dispatches are parsed: a window may hold up to `maxScan` of anything.
    if (!message.type.startsWith('chat.message') && message.type !== 'chat.stream_end') continue;
    const payload = parsePreparedPayload(message);
    if (typeof payload !== 'object' || payload === null) continue;
    const entry = { type: message.type, offset, payload } as Said;
    said.push(entry);
    const id = messageIdOf(entry);
    if (id === undefined) continue;
    if (from !== undefined && first === undefined && offset > from.offset) first = entry;
    if (to !== undefined && upper === undefined && offset >= to.offset) upper = id;
  }
  const out: { -readonly [K in keyof PlacedRange]: PlacedRange[K] } = {};
  if (to !== undefined) out.before = upper;
  if (from === undefined) return out;
  if (first === undefined) return { ...out, empty: true };
  out.after = messageIdOf(first);
  out.first = asLoggedNow(first, said);
  return out;
}

/** The message a chat dispatch published (a message, or the one a stream ended in); undefined for others. */
function messageIdOf(entry: Said): string | undefined {
  const body =
    entry.type === 'chat.stream_end'
      ? entry.payload.message
      : entry.type === 'chat.message'
        ? entry.payload
        : undefined;
  const id = typeof body === 'object' && body !== null ? (body as { message_id?: unknown }).message_id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** The published message with the edits the log holds after it applied; undefined once deleted. */
function asLoggedNow(entry: Said, said: readonly Said[]): ChatMessage | undefined {
  const parsed = ChatMessage.safeParse(entry.type === 'chat.stream_end' ? entry.payload.message : entry.payload);
  if (!parsed.success) return undefined;
  let message: ChatMessage | undefined = parsed.data;
  for (const later of said) {
    if (message === undefined || later.offset <= entry.offset || later.payload.message_id !== message.message_id)
      continue;
    if (later.type === 'chat.message.delete') message = undefined;
    else if (later.type === 'chat.message.update') {
      const { content, edited_at } = later.payload as { content?: unknown; edited_at?: unknown };
      if (typeof content === 'string') message = { ...message, content };
      if (message !== undefined && typeof edited_at === 'string') message = { ...message, edited_at };
    }
  }
  return message;
}

import { type PreparedDispatch, parsePreparedPayload, prepareDispatch } from '@gateway/protocol';
import { ALL_CHANNEL, roomOfChannel } from '../ports/backplane';
import type { Session } from '../session';
import type { MissedKind, MissedPresence } from './away';
import { type DiffPayload, emptyDiff, entriesIn, leftIn, splitDiff } from './diffs';
import type { PresenceTable } from './table';

/** A user a diff names, and how. */
export interface DiffSubject {
  readonly userId: string;
  readonly kind: MissedKind;
}

function isEntryList(value: unknown): value is { user_id: string }[] {
  return Array.isArray(value) && value.every((entry) => typeof entry?.user_id === 'string');
}

/**
 * The users a `presence.diff` names, read from the shared body (once per diff and instance, and only while
 * some session is away); a diff naming nobody (a count) is one `count` subject with an empty id.
 */
export function diffSubjects(message: PreparedDispatch): DiffSubject[] {
  let payload: unknown;
  try {
    payload = parsePreparedPayload(message);
  } catch {
    return [];
  }
  if (typeof payload !== 'object' || payload === null) return [];
  const { joined, updated, left } = payload as Record<string, unknown>;
  const subjects: DiffSubject[] = [];
  if (isEntryList(joined)) for (const entry of joined) subjects.push({ userId: entry.user_id, kind: 'joined' });
  if (isEntryList(updated)) for (const entry of updated) subjects.push({ userId: entry.user_id, kind: 'updated' });
  if (Array.isArray(left))
    for (const id of left) if (typeof id === 'string') subjects.push({ userId: id, kind: 'left' });
  return subjects.length > 0 ? subjects : [{ userId: '', kind: 'count' }];
}

/** What a session is told of presence on resume: the table read now, and which rooms show counts only. */
export interface CatchUpSource {
  readonly table: PresenceTable;
  readonly onRequest: (roomId: string) => boolean;
  /** Most bytes of entries one diff carries (see `splitDiff`). */
  readonly diffBytes: number;
}

/**
 * Tells a session each user's presence as it is now, for every (user, channel) whose presence changed while
 * the session was away: one `presence.diff` per channel, a user in `updated` when the last diff it missed had
 * them updated, in `joined` when it had them join or leave and they are there now, in `left` when they are
 * gone (from everyone, or from the room). Dispatched like any other, so they are numbered, buffered and replayed with the rest; only for the
 * rooms the session is still in. Returns how many users it was told of.
 */
export function tellMissed(source: CatchUpSource, session: Session, missed: Iterable<MissedPresence>): number {
  const { table } = source;
  const diffs = new Map<string, DiffPayload>();
  let told = 0;
  for (const { channel, userId, type } of missed) {
    const roomId = channel === ALL_CHANNEL ? undefined : (roomOfChannel(channel) ?? null);
    if (roomId === null || (roomId !== undefined && !session.rooms.has(roomId))) continue;
    let diff = diffs.get(channel);
    if (diff === undefined) {
      diff = emptyDiff(roomId, table.countIn(roomId));
      diffs.set(channel, diff);
    }
    if (type === 'count' || (roomId !== undefined && source.onRequest(roomId))) continue;
    const entry = table.shownIn(roomId, userId);
    if (entry === undefined) leftIn(diff).push(userId);
    // Someone last heard of as gone (or joining) and there now has joined, as the session sees it.
    else entriesIn(diff, type === 'updated' ? 'updated' : 'joined').push(entry);
    told += 1;
  }
  for (const diff of diffs.values()) {
    for (const part of splitDiff(diff, (userId) => table.entryBytes(userId), source.diffBytes)) {
      session.dispatch(prepareDispatch('presence.diff', part));
    }
  }
  return told;
}

/**
 * The presence changes a rebuilt session skipped (stream entries, in order), as the log of a session away
 * keeps them: the latest per user and channel, ordered by when that latest one came.
 */
export function coalesceMissed(
  entries: Iterable<{ readonly channel: string; readonly message: PreparedDispatch }>,
): MissedPresence[] {
  const latest = new Map<string, MissedPresence>();
  for (const { channel, message } of entries) {
    for (const { userId, kind } of diffSubjects(message)) {
      const key = `${channel.length}:${channel}${userId}`;
      latest.delete(key);
      latest.set(key, { channel, userId, type: kind });
    }
  }
  return [...latest.values()];
}

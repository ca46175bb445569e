import type { RoomPosition, RoomRecovery, StreamPosition } from '@gateway/protocol';
import { withPosition } from './delivery/fanout';
import type { MaybePromise } from './maybe-promise';
import type { Parts } from './parts';
import type { BackplaneMessage } from './ports/backplane';
import type { LogPosition, RoomLogRead } from './ports/room-logs';
import type { Session, SessionDispatch } from './session';

/** What a recovery found, per room: the reply's answer and where each room's log stood when it was read. */
export interface RecoveryPlan {
  readonly answers: RoomRecovery[];
  /** The rooms' positions as read, for their snapshots; a room whose read failed has none. */
  readonly positions: ReadonlyMap<string, StreamPosition>;
  /**
   * Sends each room's replay, then its live dispatches held meanwhile: call once the reply has gone out, so
   * the replay follows it and comes before anything live of the room.
   */
  replay(): void;
}

/**
 * The positions of `since` that name granted rooms (the first per room), with their rooms' live dispatches
 * held from now on: call before the session joins them, so nothing live of a room gets ahead of its replay.
 */
export function holdRecovering(
  session: Session,
  since: readonly RoomPosition[] | undefined,
  granted: readonly string[],
): RoomPosition[] {
  if (since === undefined || since.length === 0) return [];
  const wanted = new Set(granted);
  const picked: RoomPosition[] = [];
  for (const position of since) {
    if (!wanted.delete(position.room_id)) continue;
    picked.push(position);
    session.holdRoom(position.room_id);
  }
  return picked;
}

/**
 * Reads each held room's log after the client's position and works out, per room, what to replay and whether
 * that is everything. A room whose log cannot be read (no logs on this backplane, a failed read) is answered
 * `unavailable` and released with nothing replayed.
 */
export function recoverRooms(
  rt: Pick<Parts, 'options'>,
  session: Session,
  positions: readonly RoomPosition[],
): MaybePromise<RecoveryPlan> {
  const { backplane, maxRecover, logger } = rt.options;
  const logs = backplane.logs;
  const onError = (error: unknown, roomId: string) =>
    logger.warn({ err: error, room_id: roomId, session_id: session.id }, 'room log unreadable: room not recovered');
  if (positions.length === 0) return { answers: [], positions: new Map(), replay: () => {} };
  const reads = positions.map((position): MaybePromise<RoomLogRead | undefined> => {
    if (logs === undefined) return undefined;
    try {
      const read = logs.read(position.room_id, position, maxRecover);
      return read instanceof Promise
        ? read.catch((error: unknown) => {
            onError(error, position.room_id);
            return undefined;
          })
        : read;
    } catch (error) {
      onError(error, position.room_id);
      return undefined;
    }
  });
  if (reads.some((read) => read instanceof Promise)) {
    return Promise.all(reads).then((done) => plan(session, positions, done, maxRecover));
  }
  return plan(session, positions, reads as (RoomLogRead | undefined)[], maxRecover);
}

function plan(
  session: Session,
  positions: readonly RoomPosition[],
  reads: readonly (RoomLogRead | undefined)[],
  maxRecover: number,
): RecoveryPlan {
  const answers: RoomRecovery[] = [];
  const found = new Map<string, StreamPosition>();
  const releases: Array<{ roomId: string; replay: SessionDispatch[]; covered: LogPosition | undefined }> = [];
  positions.forEach((position, i) => {
    const read = reads[i];
    const roomId = position.room_id;
    if (read === undefined) {
      answers.push({ room_id: roomId, recovered: false, replayed: 0, reason: 'unavailable' });
      releases.push({ roomId, replay: [], covered: undefined });
      return;
    }
    found.set(roomId, { epoch: read.epoch, offset: read.head });
    // An offset past the head is not in this epoch's history either: the room must be fetched afresh.
    if (read.epoch !== position.epoch || position.offset > read.head) {
      answers.push({ room_id: roomId, recovered: false, replayed: 0, reason: 'epoch_changed' });
      releases.push({ roomId, replay: [], covered: undefined });
      return;
    }
    const replay: SessionDispatch[] = [];
    for (const { offset, message } of read.entries) {
      if (!excludes(message, session)) replay.push(withPosition(message, { roomId, epoch: read.epoch, offset }));
    }
    const firstReplayed = read.entries[0]?.offset ?? read.head + 1;
    const answer: RoomRecovery =
      firstReplayed <= position.offset + 1
        ? { room_id: roomId, recovered: true, replayed: replay.length }
        : {
            room_id: roomId,
            recovered: false,
            replayed: replay.length,
            reason: read.head - position.offset > maxRecover ? 'too_many' : 'too_old',
            missed_from: position.offset + 1,
            missed_to: firstReplayed - 1,
          };
    answers.push(answer);
    releases.push({ roomId, replay, covered: { epoch: read.epoch, offset: read.head } });
  });
  return {
    answers,
    positions: found,
    replay: () => {
      for (const { roomId, replay, covered } of releases) session.releaseRoom(roomId, replay, covered);
    },
  };
}

/** Lets every held room's live dispatches through with nothing replayed: a subscribe that failed midway. */
export function releaseHeld(session: Session, positions: readonly RoomPosition[]): void {
  for (const position of positions) session.releaseRoom(position.room_id, [], undefined);
}

/** The fan-out's exclusions, applied to a replay as they were to the live dispatch. */
function excludes(message: BackplaneMessage, session: Session): boolean {
  return (
    message.exclude?.sessions?.includes(session.id) === true ||
    message.exclude?.users?.includes(session.user.id) === true
  );
}

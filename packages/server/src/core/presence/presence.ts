import type { Data, PreparedDispatch, PresenceEntry, PresenceStatus, RoomPresence } from '@gateway/protocol';
import type { SessionHooks } from '../hooks';
import { ALL_CHANNEL, type Channel, roomChannel } from '../ports/backplane';
import type { Session } from '../session';
import { AwayLog, isPresenceEvent, type MissedPresence } from './away';
import { diffSubjects, tellMissed } from './catch-up';
import type { DeviceSnapshot, PresenceDelta } from './delta';
import { PresenceDiffs } from './diffs';
import { type PresencePage, takePage } from './pages';
import { upperBound } from './sorted-ids';
import { PresenceTable, type PresenceTransition } from './table';

/** Changes the away log keeps for the sessions waiting for a resume (about 150 bytes each), all together. */
export const MAX_AWAY_CHANGES = 100_000;

/**
 * Puts this instance's presence changes in the order every instance applies them. The default applies each at
 * once (one instance); the cluster's replication publishes it and applies it when the backplane brings it
 * back, in the backplane's order, so every table sees every change in the same order.
 */
export interface PresenceOrdering {
  submit(delta: PresenceDelta): void;
  /** Settles once every change submitted so far is in the table (or a deadline passed); undefined if they are. */
  settled(): Promise<void> | undefined;
  /** Resolves true once the table holds what other instances had before this one started (false: timed out). */
  loaded(timeoutMs: number): Promise<boolean>;
}

/** Where announcements go: through the backplane to every instance, or `here` to this instance's sessions only. */
export interface PresenceOutlet {
  emit(channel: Channel, type: string, payload: unknown, exclude: undefined, here: boolean): void;
}

export interface PresenceSettings {
  /** This instance's server id: the origin of its deltas and the node of its devices. */
  readonly serverId: string;
  /** Everyone sees everyone (seed 000), or only the users they share a room with. */
  readonly globalPresence: boolean;
  readonly timestamp: () => string;
  /** This instance's live sessions, attached or waiting for a resume. */
  readonly localSessions: () => Iterable<Session>;
  readonly outlet: PresenceOutlet;
  /** Runs a diff's send once the changes it gathers are in (the end of the turn, or a window). */
  readonly defer: (flush: () => void) => void;
  /** Rooms whose members are never pushed: entering one shows a count, and its diffs carry only that. */
  readonly onRequest: (roomId: string) => boolean;
  /** Most bytes of entries one diff carries; a larger one goes in parts. */
  readonly diffBytes: number;
  /**
   * Ends sessions waiting for a resume whose missed presence the away log let go over its budget (their resume
   * then gets `invalid_session`). @default nothing (they are ended when they come back instead)
   */
  readonly lost?: (sessions: readonly Session[]) => void;
  /** @default MAX_AWAY_CHANGES */
  readonly maxAwayChanges?: number;
}

/** A page of everyone online for `ready`, and how many there are when the page is not all of them. */
export interface PresenceSnapshot {
  readonly presence: PresenceEntry[];
  readonly presence_total?: number;
}

/**
 * The gateway's presence: this instance's sessions change it through `up`, `status`, `down`, `join` and
 * `leave`; each change becomes a delta that the ordering puts in line and hands back to `applyOrdered`. The
 * table is the only state: a change made here is seen (`entry`, `list`, room members) once it is applied.
 * Only the instance a delta came from tells clients what it changed, so each change is announced once.
 */
export class Presence {
  readonly table = new PresenceTable();
  private ordering: PresenceOrdering;
  private readonly awayLog: AwayLog;
  private readonly diffs: PresenceDiffs;

  constructor(private readonly settings: PresenceSettings) {
    const { table } = this;
    this.diffs = new PresenceDiffs({
      defer: settings.defer,
      shown: (roomId, userId) => table.shownIn(roomId, userId),
      count: (roomId) => table.countIn(roomId),
      onRequest: settings.onRequest,
      bytes: (userId) => table.entryBytes(userId),
      maxBytes: settings.diffBytes,
      send: (roomId, payload, here) =>
        settings.outlet.emit(
          roomId === undefined ? ALL_CHANNEL : roomChannel(roomId),
          'presence.diff',
          payload,
          undefined,
          here,
        ),
    });
    this.awayLog = new AwayLog(settings.maxAwayChanges ?? MAX_AWAY_CHANGES, (sessions) => settings.lost?.(sessions));
    this.ordering = {
      submit: (delta) => this.applyOrdered(delta),
      settled: () => undefined,
      loaded: () => Promise.resolve(true),
    };
  }

  /** Hands the ordering of changes to the cluster (replication through the backplane). */
  orderBy(ordering: PresenceOrdering): void {
    this.ordering = ordering;
  }

  // ---- this instance's changes ----

  up(session: Session, status: PresenceStatus, data?: Data): void {
    const at = this.settings.timestamp();
    session.setPresence(status, data, at);
    const device = { device_id: session.deviceId, device_type: session.deviceType, status };
    const { serverId } = this.settings;
    this.ordering.submit({
      op: 'up',
      origin: serverId,
      at,
      node: serverId,
      session: session.id,
      user: session.user,
      device,
      ...(data === undefined ? {} : { data }),
    });
  }

  status(session: Session, status: PresenceStatus, data?: Data): void {
    const at = this.settings.timestamp();
    session.setPresence(status, data, at);
    const delta: PresenceDelta = {
      op: 'status',
      origin: this.settings.serverId,
      at,
      session: session.id,
      user_id: session.user.id,
      status,
    };
    if (data !== undefined) delta.data = data;
    this.ordering.submit(delta);
  }

  down(session: Session): void {
    const at = this.settings.timestamp();
    this.ordering.submit({
      op: 'down',
      origin: this.settings.serverId,
      at,
      session: session.id,
      user_id: session.user.id,
    });
  }

  join(session: Session, roomId: string): void {
    this.room('join', session, roomId);
  }

  leave(session: Session, roomId: string): void {
    this.room('leave', session, roomId);
  }

  // ---- the ordering hands changes back here ----

  /** A change in its place in the common order: applied, and announced when it was made here. */
  applyOrdered(delta: PresenceDelta): void {
    const transitions = this.table.apply(delta);
    if (delta.origin !== this.settings.serverId) return;
    for (const transition of transitions) this.announce(transition, false);
  }

  /**
   * A sync after an outage: each table missed different changes, so its transitions are this instance's own
   * and go to this instance's sessions only.
   */
  applySync(delta: PresenceDelta): void {
    for (const transition of this.table.apply(delta)) this.announce(transition, true);
  }

  /** Settles once this instance's changes so far are in the table; undefined when they already are. */
  settled(): Promise<void> | undefined {
    return this.ordering.settled();
  }

  loaded(timeoutMs: number): Promise<boolean> {
    return this.ordering.loaded(timeoutMs);
  }

  // ---- sessions waiting for a resume ----

  /** The session hooks that follow who is away: detached, then attached again (resumed) or over. */
  readonly hooks: SessionHooks = {
    detached: (session) => this.awayLog.away(session),
    attached: (session) => this.awayLog.back(session),
    ended: (session) => this.awayLog.back(session),
    movedAway: (session) => this.awayLog.back(session),
  };

  /** Sees each fanned-out dispatch before the sessions do; a presence diff is noted for the sessions away. */
  delivered(channel: Channel, message: PreparedDispatch): void {
    if (!this.awayLog.active || !isPresenceEvent(message.type)) return;
    for (const { userId, kind } of diffSubjects(message)) this.awayLog.note(channel, userId, kind);
  }

  /**
   * Dispatches to a session that is away what it missed of presence (each changed user as they are now), and
   * it stays away from here on. False when the log no longer has all it missed: the session cannot be resumed.
   */
  catchUp(session: Session): boolean {
    const missed = this.awayLog.takeMissed(session);
    if (missed === undefined) return false;
    tellMissed(this.catchUpSource(), session, missed);
    return true;
  }

  /** Dispatches the presence of users whose diffs a session did not get elsewhere (a rebuild from the stream). */
  tellMissed(session: Session, missed: Iterable<MissedPresence>): number {
    return tellMissed(this.catchUpSource(), session, missed);
  }

  private catchUpSource() {
    return { table: this.table, onRequest: this.settings.onRequest, diffBytes: this.settings.diffBytes };
  }

  /** Whether a room's members are shown on request only (see `PresenceSettings.onRequest`). */
  onRequest(roomId: string): boolean {
    return this.settings.onRequest(roomId);
  }

  /** Sends the diffs gathered so far now rather than at the end of the turn or window. */
  flushDiffs(): void {
    this.diffs.flush();
  }

  // ---- what clients are shown ----

  /**
   * What `ready` shows of everyone online: with global presence, at most `limit` of them and `maxBytes` of
   * JSON, first by user id, with the total when that is not all; without it, nobody (rooms show their own).
   */
  snapshot(limit: number, maxBytes: number): PresenceSnapshot {
    if (!this.settings.globalPresence) return { presence: [] };
    const page = this.page(undefined, undefined, limit, maxBytes);
    return page.next === undefined
      ? { presence: page.entries }
      : { presence: page.entries, presence_total: this.table.visibleCount };
  }

  /**
   * A room's presence for a session entering it: the member count and the first `limit` members by user id
   * (at most `maxBytes` of JSON), `members_next` when more follow; the count alone for a room on request.
   */
  roomPresence(roomId: string, limit: number, maxBytes: number): RoomPresence {
    const count = this.table.roomVisibleCount(roomId);
    if (this.settings.onRequest(roomId)) {
      return { room_id: roomId, member_count: count, members: [], members_on_request: true };
    }
    const page = this.pageOf(this.table.sortedRoomUserIds(roomId), 0, limit, maxBytes);
    const presence: RoomPresence = { room_id: roomId, member_count: count, members: page.entries };
    if (page.next !== undefined) presence.members_next = page.next;
    return presence;
  }

  /** A page of everyone online (`roomId` undefined) or of a room's members, by user id after `after`. */
  page(roomId: string | undefined, after: string | undefined, limit: number, maxBytes: number): PresencePage {
    if (roomId === undefined) {
      const ids = this.table.sortedUserIds();
      return this.pageOf(ids, after === undefined ? 0 : upperBound(ids, after), limit, maxBytes);
    }
    const ids = this.table.sortedRoomUserIds(roomId);
    return this.pageOf(ids, after === undefined ? 0 : upperBound(ids, after), limit, maxBytes);
  }

  entry(userId: string): PresenceEntry | undefined {
    return this.table.entry(userId);
  }

  list(): PresenceEntry[] {
    return this.table.list();
  }

  /** Presence of the users subscribed to a room, on every instance. */
  roomMembers(roomId: string): PresenceEntry[] {
    return this.table.roomUserIds(roomId).flatMap((userId) => this.table.entry(userId) ?? []);
  }

  roomUserIds(roomId: string): string[] {
    return this.table.roomUserIds(roomId);
  }

  roomConnectionCount(roomId: string): number {
    return this.table.roomSessionCount(roomId);
  }

  // ---- this instance's devices, as its sessions have them now (for stores and syncs) ----

  localDevice(session: Session): DeviceSnapshot | undefined {
    const presence = session.presence;
    if (presence === undefined) return undefined;
    const snapshot: DeviceSnapshot = {
      node: this.settings.serverId,
      session: session.id,
      user: session.user,
      device: { device_id: session.deviceId, device_type: session.deviceType, status: presence.status },
      rooms: [...session.rooms],
      updated_at: presence.updatedAt,
    };
    if (presence.data !== undefined) snapshot.data = presence.data;
    return snapshot;
  }

  localDevices(): DeviceSnapshot[] {
    const out: DeviceSnapshot[] = [];
    for (const session of this.settings.localSessions()) {
      const device = this.localDevice(session);
      if (device !== undefined) out.push(device);
    }
    return out;
  }

  private pageOf(ids: readonly string[], start: number, limit: number, maxBytes: number): PresencePage {
    const { table } = this;
    const source = {
      ids,
      start,
      entry: (id: string) => table.entry(id),
      bytes: (id: string) => table.entryBytes(id),
      visible: (id: string) => table.isVisible(id),
    };
    return takePage(source, limit, maxBytes);
  }

  private room(op: 'join' | 'leave', session: Session, roomId: string): void {
    this.ordering.submit({
      op,
      origin: this.settings.serverId,
      at: this.settings.timestamp(),
      session: session.id,
      user_id: session.user.id,
      room: roomId,
    });
  }

  /**
   * Gathers a transition into its scopes' next diff. A user's status is theirs, not a room's: with global
   * presence it goes to everyone (and a change of visibility to their rooms too, whose counts it changes);
   * without, to each room they are in.
   */
  private announce(transition: PresenceTransition, here: boolean): void {
    const { diffs } = this;
    const { userId } = transition;
    switch (transition.kind) {
      case 'room-join':
        diffs.touch(transition.roomId, userId, false, here);
        return;
      case 'room-leave':
        diffs.touch(transition.roomId, userId, true, here);
        return;
      case 'presence': {
        const shownBefore = transition.change.kind !== 'join';
        if (this.settings.globalPresence) {
          diffs.touch(undefined, userId, shownBefore, here);
          if (transition.change.kind === 'update') return;
        }
        for (const roomId of this.table.userRooms(userId)) diffs.touch(roomId, userId, shownBefore, here);
        return;
      }
    }
  }
}

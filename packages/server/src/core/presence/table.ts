import type { Data, PresenceDevice, PresenceEntry, PresenceStatus, User } from '@gateway/protocol';
import { aggregateStatus, changeBetween, type PresenceChange } from './aggregate';
import type { DeviceSnapshot, PresenceDelta } from './delta';
import { jsonBytes } from './pages';
import { SortedIds } from './sorted-ids';

/** How one applied delta looks to clients. */
export type PresenceTransition =
  | { readonly kind: 'presence'; readonly userId: string; readonly change: PresenceChange }
  | { readonly kind: 'room-join'; readonly roomId: string; readonly userId: string; readonly entry: PresenceEntry }
  | { readonly kind: 'room-leave'; readonly roomId: string; readonly userId: string };

interface DeviceRecord {
  readonly session: string;
  node: string;
  userId: string;
  device: PresenceDevice;
  /** Made at the device's first room join: most idle devices never join one. */
  rooms: Set<string> | undefined;
}

interface UserRecord {
  user: User;
  /**
   * One device per connection, wherever it lives, in arrival order. An array rather than a Map keyed by
   * session id: a user has a handful of devices, and a Map costs ~180 bytes per user even with one.
   */
  devices: DeviceRecord[];
  data?: Data;
  updatedAt: string;
  /**
   * The entry others see and the bytes of its JSON, made on the first read after a change: a room's first
   * page is read by everyone who enters it, while a user changes rarely.
   */
  shown?: { readonly entry: PresenceEntry | undefined; readonly bytes: number } | undefined;
}

/** A room's users (each with their sessions in it) and the same ids in order, for its pages of members. */
interface RoomRecord {
  readonly users: Map<string, Set<string>>;
  readonly order: SortedIds;
  /** How many of `users` others see, kept as users join, leave and change visibility (read on every diff). */
  visible: number;
}

const NONE: readonly PresenceTransition[] = [];

function sameDevice(a: PresenceDevice, b: PresenceDevice): boolean {
  return a.device_id === b.device_id && a.device_type === b.device_type && a.status === b.status;
}

/**
 * Presence of every user on every instance, and who is in which room: the one place presence is kept.
 * Every change goes through `apply`, which is deterministic: tables fed the same deltas in the same order
 * hold the same state and report the same transitions (join on a user's first visible device, leave after
 * the last; a room's join for a user's first session in it, its leave after the last, each while others
 * see the user). Applying a delta twice changes nothing the second time, so a snapshot and the deltas that
 * overlap it can both be applied.
 */
export class PresenceTable {
  private readonly users = new Map<string, UserRecord>();
  private readonly sessions = new Map<string, DeviceRecord>();
  private readonly rooms = new Map<string, RoomRecord>();
  /** The ids of `users`, in order, for pages of presence. */
  private readonly order = new SortedIds();
  /** Users with a visible device: what `list()` would return, counted without building it. */
  private visible = 0;

  apply(delta: PresenceDelta): readonly PresenceTransition[] {
    switch (delta.op) {
      case 'up':
        return this.up(delta.node, delta.session, delta.user, delta.device, delta.data, delta.at);
      case 'status':
        return this.status(delta.session, delta.user_id, delta.status, delta.data, delta.at);
      case 'down':
        return this.down(delta.session, delta.user_id, delta.at);
      case 'join':
        return this.join(delta.session, delta.user_id, delta.room);
      case 'leave':
        return this.leave(delta.session, delta.user_id, delta.room);
      case 'sync':
        return this.sync(delta.origin, delta.devices, delta.at);
    }
  }

  /** Takes a device from a snapshot as it is, announcing nothing (bootstrap). */
  load(snapshot: DeviceSnapshot): void {
    this.up(snapshot.node, snapshot.session, snapshot.user, snapshot.device, snapshot.data, snapshot.updated_at);
    for (const roomId of snapshot.rooms) this.join(snapshot.session, snapshot.user.id, roomId);
  }

  /** Forgets everyone. */
  clear(): void {
    this.users.clear();
    this.sessions.clear();
    this.rooms.clear();
    this.order.clear();
    this.visible = 0;
  }

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /**
   * The user's presence as others see it; undefined when offline or invisible on every device. The same
   * object until the user changes: callers put it into frames and never modify it.
   */
  entry(userId: string): PresenceEntry | undefined {
    return this.shown(userId)?.entry;
  }

  /** Bytes of the JSON of the user's entry (0 when not shown), for pages that stop at a size. */
  entryBytes(userId: string): number {
    return this.shown(userId)?.bytes ?? 0;
  }

  private shown(userId: string): UserRecord['shown'] {
    const record = this.users.get(userId);
    if (record === undefined) return undefined;
    if (record.shown === undefined) {
      const entry = this.buildEntry(record);
      record.shown = { entry, bytes: entry === undefined ? 0 : jsonBytes(entry) };
    }
    return record.shown;
  }

  private buildEntry(record: UserRecord): PresenceEntry | undefined {
    const devices: PresenceDevice[] = [];
    for (const { device } of record.devices) if (device.status !== 'invisible') devices.push(device);
    const status = aggregateStatus(devices);
    if (status === undefined) return undefined;
    const entry: PresenceEntry = { user_id: record.user.id, status, devices, updated_at: record.updatedAt };
    if (record.user.display_name !== undefined) entry.display_name = record.user.display_name;
    if (record.data !== undefined) entry.data = record.data;
    return entry;
  }

  /** Everyone visible to others. */
  list(): PresenceEntry[] {
    const out: PresenceEntry[] = [];
    for (const userId of this.users.keys()) {
      const entry = this.entry(userId);
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  /** Users with at least one device, visible or not. */
  get userCount(): number {
    return this.users.size;
  }

  /** Users visible to others: how long `list()` is. */
  get visibleCount(): number {
    return this.visible;
  }

  /** The ids of users with at least one device (visible or not), in code unit order; valid until the next change. */
  sortedUserIds(): readonly string[] {
    return this.order.view();
  }

  /** Whether others see the user: online with at least one device that is not invisible. */
  isVisible(userId: string): boolean {
    return this.users.get(userId)?.devices.some(({ device }) => device.status !== 'invisible') ?? false;
  }

  /** Whether a session of the user is in the room. */
  inRoom(roomId: string, userId: string): boolean {
    return this.rooms.get(roomId)?.users.has(userId) ?? false;
  }

  /** Users with a session in the room. */
  roomUserIds(roomId: string): string[] {
    return [...(this.rooms.get(roomId)?.users.keys() ?? [])];
  }

  /** The ids of the room's users (visible or not) in code unit order; valid until the next change. */
  sortedRoomUserIds(roomId: string): readonly string[] {
    return this.rooms.get(roomId)?.order.view() ?? [];
  }

  /** Users in the room whom others see: the room's member count. */
  roomVisibleCount(roomId: string): number {
    return this.rooms.get(roomId)?.visible ?? 0;
  }

  /** The user as a scope shows them: everyone (`roomId` undefined), or a room while they are in it. */
  shownIn(roomId: string | undefined, userId: string): PresenceEntry | undefined {
    return roomId === undefined || this.inRoom(roomId, userId) ? this.entry(userId) : undefined;
  }

  /** How many users a scope shows: everyone visible (`roomId` undefined), or the room's members. */
  countIn(roomId: string | undefined): number {
    return roomId === undefined ? this.visibleCount : this.roomVisibleCount(roomId);
  }

  roomSessionCount(roomId: string): number {
    let count = 0;
    for (const sessions of this.rooms.get(roomId)?.users.values() ?? []) count += sessions.size;
    return count;
  }

  /** Every room any session of the user is in. */
  userRooms(userId: string): string[] {
    const out = new Set<string>();
    for (const device of this.users.get(userId)?.devices ?? []) {
      for (const roomId of device.rooms ?? []) out.add(roomId);
    }
    return [...out];
  }

  /** Instances holding at least one device. */
  nodes(): string[] {
    const out = new Set<string>();
    for (const device of this.sessions.values()) out.add(device.node);
    return [...out];
  }

  devicesOf(node: string): { session: string; userId: string }[] {
    const out: { session: string; userId: string }[] = [];
    for (const [session, device] of this.sessions) {
      if (device.node === node) out.push({ session, userId: device.userId });
    }
    return out;
  }

  /**
   * Makes the table hold exactly these devices for `node` (a sync after an outage): its devices not listed go
   * down, listed ones come up or change, and each one's rooms become the listed ones. The transitions differ
   * from table to table, since each missed different changes.
   */
  private sync(node: string, devices: readonly DeviceSnapshot[], at: string): PresenceTransition[] {
    const out: PresenceTransition[] = [];
    const listed = new Set(devices.map((device) => device.session));
    for (const { session, userId } of this.devicesOf(node)) {
      if (!listed.has(session)) out.push(...this.down(session, userId, at));
    }
    for (const snapshot of devices) {
      const userId = snapshot.user.id;
      out.push(...this.up(node, snapshot.session, snapshot.user, snapshot.device, snapshot.data, snapshot.updated_at));
      const rooms = new Set(snapshot.rooms);
      for (const roomId of [...(this.sessions.get(snapshot.session)?.rooms ?? [])]) {
        if (!rooms.has(roomId)) out.push(...this.leave(snapshot.session, userId, roomId));
      }
      for (const roomId of rooms) out.push(...this.join(snapshot.session, userId, roomId));
    }
    return out;
  }

  private up(
    node: string,
    sessionId: string,
    user: User,
    device: PresenceDevice,
    data: Data | undefined,
    at: string,
  ): readonly PresenceTransition[] {
    let record = this.users.get(user.id);
    const found = this.sessions.get(sessionId);
    const existing = found?.userId === user.id ? found : undefined;
    // A repeat (bootstrap replaying what the snapshot had, a re-announcement) or a session moving to another
    // instance (resume anywhere) is no change to others; only the holder is updated.
    if (
      record !== undefined &&
      existing !== undefined &&
      sameDevice(existing.device, device) &&
      (data === undefined || JSON.stringify(data) === JSON.stringify(record.data))
    ) {
      existing.node = node;
      return NONE;
    }
    const before = this.entry(user.id);
    if (record === undefined) {
      record = { user, devices: [], updatedAt: at };
      this.users.set(user.id, record);
      this.order.add(user.id);
    }
    record.user = user;
    record.shown = undefined;
    const next: DeviceRecord = { session: sessionId, node, userId: user.id, device, rooms: existing?.rooms };
    const index = existing === undefined ? -1 : record.devices.indexOf(existing);
    // `concat` makes an array of exactly the right size; `push` would reserve 16 spare slots.
    if (index < 0) record.devices = record.devices.concat(next);
    else record.devices[index] = next;
    this.sessions.set(sessionId, next);
    if (data !== undefined) record.data = data;
    record.updatedAt = at;
    return this.compare(user.id, before);
  }

  private status(
    sessionId: string,
    userId: string,
    status: PresenceStatus,
    data: Data | undefined,
    at: string,
  ): readonly PresenceTransition[] {
    const record = this.users.get(userId);
    const device = this.sessions.get(sessionId);
    if (record === undefined || device === undefined || device.userId !== userId) return NONE;
    // The same status and data again is no change: nobody is told (a client repeating itself costs no fan-out).
    if (
      device.device.status === status &&
      (data === undefined || JSON.stringify(data) === JSON.stringify(record.data))
    ) {
      return NONE;
    }
    const before = this.entry(userId);
    device.device = { ...device.device, status };
    record.shown = undefined;
    if (data !== undefined) record.data = data;
    record.updatedAt = at;
    return this.compare(userId, before);
  }

  private down(sessionId: string, userId: string, at: string): readonly PresenceTransition[] {
    const record = this.users.get(userId);
    const device = this.sessions.get(sessionId);
    if (record === undefined || device === undefined || device.userId !== userId) return NONE;
    // A crashed instance's sessions never sent their room leaves: they go with the device.
    const out: PresenceTransition[] = [];
    for (const roomId of [...(device.rooms ?? [])]) out.push(...this.leave(sessionId, userId, roomId));
    const before = this.entry(userId);
    record.devices = record.devices.filter((other) => other !== device);
    record.shown = undefined;
    this.sessions.delete(sessionId);
    record.updatedAt = at;
    if (record.devices.length === 0) {
      this.users.delete(userId);
      this.order.delete(userId);
    }
    out.push(...this.compare(userId, before));
    return out;
  }

  private join(sessionId: string, userId: string, roomId: string): readonly PresenceTransition[] {
    const device = this.sessions.get(sessionId);
    if (device === undefined || device.userId !== userId || device.rooms?.has(roomId)) return NONE;
    device.rooms ??= new Set();
    device.rooms.add(roomId);
    let room = this.rooms.get(roomId);
    if (room === undefined) {
      room = { users: new Map(), order: new SortedIds(), visible: 0 };
      this.rooms.set(roomId, room);
    }
    let sessions = room.users.get(userId);
    const firstOfUser = sessions === undefined;
    if (sessions === undefined) {
      sessions = new Set();
      room.users.set(userId, sessions);
      room.order.add(userId);
      if (this.isVisible(userId)) room.visible += 1;
    }
    sessions.add(sessionId);
    const entry = this.entry(userId);
    return firstOfUser && entry !== undefined ? [{ kind: 'room-join', roomId, userId, entry }] : NONE;
  }

  private leave(sessionId: string, userId: string, roomId: string): readonly PresenceTransition[] {
    const device = this.sessions.get(sessionId);
    if (device === undefined || device.rooms?.delete(roomId) !== true) return NONE;
    const room = this.rooms.get(roomId);
    const sessions = room?.users.get(userId);
    if (room === undefined || sessions === undefined || !sessions.delete(sessionId)) return NONE;
    if (sessions.size > 0) return NONE;
    room.users.delete(userId);
    room.order.delete(userId);
    const shown = this.isVisible(userId);
    if (shown) room.visible -= 1;
    if (room.users.size === 0) this.rooms.delete(roomId);
    // As a join is told only of a user others see: an invisible user's leave would name someone never shown.
    return shown ? [{ kind: 'room-leave', roomId, userId }] : NONE;
  }

  private compare(userId: string, before: PresenceEntry | undefined): readonly PresenceTransition[] {
    const change = changeBetween(userId, before, this.entry(userId));
    if (change === undefined) return NONE;
    if (change.kind !== 'update') {
      const step = change.kind === 'join' ? 1 : -1;
      this.visible += step;
      for (const roomId of this.userRooms(userId)) {
        const room = this.rooms.get(roomId);
        if (room !== undefined) room.visible += step;
      }
    }
    return [{ kind: 'presence', userId, change }];
  }
}

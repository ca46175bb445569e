import type { Data, PresenceDevice, PresenceEntry, PresenceStatus, User } from '@gateway/protocol';
import { aggregateStatus, type PresenceChange } from './presence';

/**
 * One change to the replicated presence table, as it travels on the internal `presence` channel. `origin`
 * is the instance that published it (the one that tells clients what it changed); `node` in `up` is the
 * instance holding the device. `at` is the originator's clock, so every table keeps the same `updated_at`.
 */
export type PresenceDelta =
  | {
      op: 'up';
      origin: string;
      at: string;
      node: string;
      session: string;
      user: User;
      device: PresenceDevice;
      data?: Data;
    }
  | { op: 'status'; origin: string; at: string; session: string; user_id: string; status: PresenceStatus; data?: Data }
  | { op: 'down'; origin: string; at: string; session: string; user_id: string }
  | { op: 'join' | 'leave'; origin: string; at: string; session: string; user_id: string; room: string }
  /** Bootstrap: an instance hearing its own hello knows its subscription to the channel is live. */
  | { op: 'hello'; origin: string; nonce: string }
  /**
   * Every device the origin holds, replacing what tables had of it: sent after a Redis outage, during which
   * each instance's changes reached only itself. `reply` asks every other instance for its own sync back.
   */
  | { op: 'sync'; origin: string; at: string; devices: DeviceSnapshot[]; reply: boolean };

/** How one applied delta looks to clients; only the delta's origin announces it. */
export type PresenceTransition =
  | { readonly kind: 'presence'; readonly userId: string; readonly change: PresenceChange }
  | { readonly kind: 'room-join'; readonly roomId: string; readonly userId: string; readonly entry: PresenceEntry }
  | { readonly kind: 'room-leave'; readonly roomId: string; readonly userId: string };

/** A device as the Redis snapshot keeps it (one hash field per session), for bootstrap. */
export interface DeviceSnapshot {
  node: string;
  session: string;
  user: User;
  device: PresenceDevice;
  data?: Data;
  rooms: string[];
  updated_at: string;
}

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
}

function deviceOf(record: UserRecord | undefined, sessionId: string): DeviceRecord | undefined {
  return record?.devices.find((device) => device.session === sessionId);
}

const STRINGS = (value: unknown): value is string => typeof value === 'string';

function isUserAndDevice(user: unknown, device: unknown): boolean {
  if (typeof user !== 'object' || user === null || typeof device !== 'object' || device === null) return false;
  const { id } = user as Record<string, unknown>;
  const { device_id, status } = device as Record<string, unknown>;
  return STRINGS(id) && STRINGS(device_id) && STRINGS(status);
}

function isSnapshot(value: unknown): value is DeviceSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Record<string, unknown>;
  return (
    STRINGS(snapshot.node) &&
    STRINGS(snapshot.session) &&
    STRINGS(snapshot.updated_at) &&
    Array.isArray(snapshot.rooms) &&
    snapshot.rooms.every(STRINGS) &&
    isUserAndDevice(snapshot.user, snapshot.device)
  );
}

/** A delta read off the channel; null for anything malformed (another program must not break the table). */
export function parseDelta(text: string): PresenceDelta | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const delta = parsed as Record<string, unknown>;
  if (!STRINGS(delta.origin)) return null;
  switch (delta.op) {
    case 'hello':
      return STRINGS(delta.nonce) ? (delta as PresenceDelta) : null;
    case 'up': {
      const ok =
        STRINGS(delta.at) && STRINGS(delta.node) && STRINGS(delta.session) && isUserAndDevice(delta.user, delta.device);
      return ok ? (delta as PresenceDelta) : null;
    }
    case 'sync': {
      const ok =
        STRINGS(delta.at) &&
        typeof delta.reply === 'boolean' &&
        Array.isArray(delta.devices) &&
        delta.devices.every((device) => isSnapshot(device) && device.node === delta.origin);
      return ok ? (delta as PresenceDelta) : null;
    }
    case 'status':
      return STRINGS(delta.at) && STRINGS(delta.session) && STRINGS(delta.user_id) && STRINGS(delta.status)
        ? (delta as PresenceDelta)
        : null;
    case 'down':
      return STRINGS(delta.at) && STRINGS(delta.session) && STRINGS(delta.user_id) ? (delta as PresenceDelta) : null;
    case 'join':
    case 'leave':
      return STRINGS(delta.at) && STRINGS(delta.session) && STRINGS(delta.user_id) && STRINGS(delta.room)
        ? (delta as PresenceDelta)
        : null;
    default:
      return null;
  }
}

function sameDevice(a: PresenceDevice, b: PresenceDevice): boolean {
  return a.device_id === b.device_id && a.device_type === b.device_type && a.status === b.status;
}

/**
 * Presence of every user on every instance, and who is in which room, built from ordered deltas. Every
 * instance applies the same deltas in the same order, so every table reports the same transitions (join on
 * the first visible device, leave after the last; a room's join for a user's first session in it, its leave
 * after the last). Deltas are idempotent: applying one twice changes nothing the second time.
 */
export class PresenceReplica {
  private readonly users = new Map<string, UserRecord>();
  private readonly sessions = new Map<string, DeviceRecord>();
  private readonly rooms = new Map<string, Map<string, Set<string>>>();

  apply(delta: PresenceDelta): PresenceTransition[] {
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
      default:
        return [];
    }
  }

  /** Takes a device from the Redis snapshot as it is, announcing nothing (bootstrap). */
  load(snapshot: DeviceSnapshot): void {
    this.up(snapshot.node, snapshot.session, snapshot.user, snapshot.device, snapshot.data, snapshot.updated_at);
    for (const roomId of snapshot.rooms) this.join(snapshot.session, snapshot.user.id, roomId);
  }

  /**
   * Makes the table hold exactly these devices for `node` (a sync after an outage): its devices not listed go
   * down, listed ones come up or change, and each one's rooms become the listed ones. Returns the transitions
   * as this table sees them, which differ from instance to instance (each missed different changes).
   */
  sync(node: string, devices: readonly DeviceSnapshot[], at: string): PresenceTransition[] {
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

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** The user's presence as others see it; `exceptNode` leaves out the devices one instance holds. */
  entry(userId: string, exceptNode?: string): PresenceEntry | undefined {
    const record = this.users.get(userId);
    if (record === undefined) return undefined;
    const devices: PresenceDevice[] = [];
    for (const device of record.devices) {
      if (device.node === exceptNode || device.device.status === 'invisible') continue;
      devices.push(device.device);
    }
    const status = aggregateStatus(devices);
    if (status === undefined) return undefined;
    const entry: PresenceEntry = { user_id: record.user.id, status, devices, updated_at: record.updatedAt };
    if (record.user.display_name !== undefined) entry.display_name = record.user.display_name;
    if (record.data !== undefined) entry.data = record.data;
    return entry;
  }

  userIds(): string[] {
    return [...this.users.keys()];
  }

  /** Users with a session in the room, optionally leaving out one instance's sessions. */
  roomUserIds(roomId: string, exceptNode?: string): string[] {
    const out: string[] = [];
    for (const [userId, sessions] of this.rooms.get(roomId) ?? []) {
      for (const sessionId of sessions) {
        if (this.sessions.get(sessionId)?.node !== exceptNode) {
          out.push(userId);
          break;
        }
      }
    }
    return out;
  }

  roomSessionCount(roomId: string, exceptNode?: string): number {
    let count = 0;
    for (const sessions of this.rooms.get(roomId)?.values() ?? []) {
      for (const sessionId of sessions) if (this.sessions.get(sessionId)?.node !== exceptNode) count++;
    }
    return count;
  }

  /** Every room any session of the user is in. */
  userRooms(userId: string): string[] {
    const out = new Set<string>();
    for (const device of this.users.get(userId)?.devices ?? [])
      for (const roomId of device.rooms ?? []) out.add(roomId);
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
    for (const [session, device] of this.sessions)
      if (device.node === node) out.push({ session, userId: device.userId });
    return out;
  }

  private up(
    node: string,
    sessionId: string,
    user: User,
    device: PresenceDevice,
    data: Data | undefined,
    at: string,
  ): PresenceTransition[] {
    let record = this.users.get(user.id);
    const existing = deviceOf(record, sessionId);
    // A repeat (bootstrap replaying what the snapshot had, a re-announcement) or a session moving to another
    // instance (resume anywhere) is no change to others; only the holder is updated.
    if (
      record !== undefined &&
      existing !== undefined &&
      sameDevice(existing.device, device) &&
      (data === undefined || JSON.stringify(data) === JSON.stringify(record.data))
    ) {
      existing.node = node;
      return [];
    }
    const before = this.entry(user.id);
    if (record === undefined) {
      record = { user, devices: [], updatedAt: at };
      this.users.set(user.id, record);
    }
    record.user = user;
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
  ): PresenceTransition[] {
    const record = this.users.get(userId);
    const device = deviceOf(record, sessionId);
    if (record === undefined || device === undefined) return [];
    const before = this.entry(userId);
    device.device = { ...device.device, status };
    if (data !== undefined) record.data = data;
    record.updatedAt = at;
    return this.compare(userId, before);
  }

  private down(sessionId: string, userId: string, at: string): PresenceTransition[] {
    const record = this.users.get(userId);
    const device = deviceOf(record, sessionId);
    if (record === undefined || device === undefined) return [];
    // A crashed instance's sessions never sent their room leaves: they go with the device.
    const out: PresenceTransition[] = [];
    for (const roomId of [...(device.rooms ?? [])]) out.push(...this.leave(sessionId, userId, roomId));
    const before = this.entry(userId);
    record.devices = record.devices.filter((other) => other !== device);
    this.sessions.delete(sessionId);
    record.updatedAt = at;
    if (record.devices.length === 0) this.users.delete(userId);
    out.push(...this.compare(userId, before));
    return out;
  }

  private join(sessionId: string, userId: string, roomId: string): PresenceTransition[] {
    const device = this.sessions.get(sessionId);
    if (device === undefined || device.userId !== userId || device.rooms?.has(roomId)) return [];
    device.rooms ??= new Set();
    device.rooms.add(roomId);
    let users = this.rooms.get(roomId);
    if (users === undefined) {
      users = new Map();
      this.rooms.set(roomId, users);
    }
    let sessions = users.get(userId);
    const firstOfUser = sessions === undefined;
    if (sessions === undefined) {
      sessions = new Set();
      users.set(userId, sessions);
    }
    sessions.add(sessionId);
    const entry = this.entry(userId);
    return firstOfUser && entry !== undefined ? [{ kind: 'room-join', roomId, userId, entry }] : [];
  }

  private leave(sessionId: string, userId: string, roomId: string): PresenceTransition[] {
    const device = this.sessions.get(sessionId);
    if (device === undefined || device.rooms?.delete(roomId) !== true) return [];
    const users = this.rooms.get(roomId);
    const sessions = users?.get(userId);
    if (users === undefined || sessions === undefined || !sessions.delete(sessionId)) return [];
    if (sessions.size > 0) return [];
    users.delete(userId);
    if (users.size === 0) this.rooms.delete(roomId);
    return [{ kind: 'room-leave', roomId, userId }];
  }

  private compare(userId: string, before: PresenceEntry | undefined): PresenceTransition[] {
    const after = this.entry(userId);
    if (before === undefined && after === undefined) return [];
    if (before === undefined && after !== undefined)
      return [{ kind: 'presence', userId, change: { kind: 'join', entry: after } }];
    if (after === undefined) return [{ kind: 'presence', userId, change: { kind: 'leave', userId } }];
    return [{ kind: 'presence', userId, change: { kind: 'update', entry: after } }];
  }
}

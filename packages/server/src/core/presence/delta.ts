import type { Data, PresenceDevice, PresenceStatus, User } from '@gateway/protocol';

/**
 * One change to the presence table. `origin` is the instance that made it (the one that tells clients what
 * it changed); `node` in `up` is the instance holding the device. `at` is the originator's clock, so every
 * table keeps the same `updated_at`.
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
  /**
   * Every device the origin holds, replacing what tables had of it: sent after a backplane outage, during
   * which each instance's changes reached only itself. `reply` asks every other instance for its own sync.
   */
  | { op: 'sync'; origin: string; at: string; devices: DeviceSnapshot[]; reply: boolean };

/** A device with everything a table needs to take it as it is (bootstrap, sync). */
export interface DeviceSnapshot {
  node: string;
  session: string;
  user: User;
  device: PresenceDevice;
  data?: Data;
  rooms: string[];
  updated_at: string;
}

const isString = (value: unknown): value is string => typeof value === 'string';

function isUserAndDevice(user: unknown, device: unknown): boolean {
  if (typeof user !== 'object' || user === null || typeof device !== 'object' || device === null) return false;
  const { id } = user as Record<string, unknown>;
  const { device_id, status } = device as Record<string, unknown>;
  return isString(id) && isString(device_id) && isString(status);
}

/** True for a well-formed device snapshot (read from a store or a sync). */
export function isDeviceSnapshot(value: unknown): value is DeviceSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const snapshot = value as Record<string, unknown>;
  return (
    isString(snapshot.node) &&
    isString(snapshot.session) &&
    isString(snapshot.updated_at) &&
    Array.isArray(snapshot.rooms) &&
    snapshot.rooms.every(isString) &&
    isUserAndDevice(snapshot.user, snapshot.device)
  );
}

/** A delta's fields checked for its `op`; false for anything malformed (another program must not break a table). */
export function isPresenceDelta(value: unknown): value is PresenceDelta {
  if (typeof value !== 'object' || value === null) return false;
  const delta = value as Record<string, unknown>;
  if (!isString(delta.origin) || !isString(delta.at)) return false;
  switch (delta.op) {
    case 'up':
      return isString(delta.node) && isString(delta.session) && isUserAndDevice(delta.user, delta.device);
    case 'sync':
      return (
        typeof delta.reply === 'boolean' &&
        Array.isArray(delta.devices) &&
        delta.devices.every((device) => isDeviceSnapshot(device) && device.node === delta.origin)
      );
    case 'status':
      return isString(delta.session) && isString(delta.user_id) && isString(delta.status);
    case 'down':
      return isString(delta.session) && isString(delta.user_id);
    case 'join':
    case 'leave':
      return isString(delta.session) && isString(delta.user_id) && isString(delta.room);
    default:
      return false;
  }
}

import type { Data, PresenceDevice, PresenceEntry, PresenceStatus, User } from '@gateway/protocol';

/** How present each status makes a user; invisible devices count as absent to others. */
const RANK: Record<Exclude<PresenceStatus, 'invisible'>, number> = { online: 3, dnd: 2, idle: 1 };

/** The "most present" status over a user's visible devices; undefined when none is visible (offline to others). */
export function aggregateStatus(devices: readonly PresenceDevice[]): PresenceStatus | undefined {
  let best: Exclude<PresenceStatus, 'invisible'> | undefined;
  for (const device of devices) {
    if (device.status === 'invisible') continue;
    if (best === undefined || RANK[device.status] > RANK[best]) best = device.status;
  }
  return best;
}

export type PresenceChange =
  | { readonly kind: 'join'; readonly entry: PresenceEntry }
  | { readonly kind: 'update'; readonly entry: PresenceEntry }
  | { readonly kind: 'leave'; readonly userId: string }
  | { readonly kind: 'none' };

/** One device per connection, with the connection's session id. */
interface DeviceSlot {
  readonly sessionId: string;
  device: PresenceDevice;
}

interface UserRecord {
  user: User;
  /**
   * In connection order. An array rather than a Map keyed by session id: a user has a handful of devices
   * (`maxConnectionsPerUser`), and an empty Map alone costs ~300 bytes per connected user.
   */
  devices: DeviceSlot[];
  data?: Data;
  updatedAt: string;
}

function slotOf(record: UserRecord, sessionId: string): DeviceSlot | undefined {
  return record.devices.find((slot) => slot.sessionId === sessionId);
}

/**
 * Presence per user, one entry per device: pure bookkeeping that reports how each change looks to others
 * (join on the first visible device, leave when the last one goes), and sends nothing itself.
 */
export class PresenceTable {
  private readonly users = new Map<string, UserRecord>();

  constructor(private readonly timestamp: () => string) {}

  connect(sessionId: string, user: User, device: PresenceDevice, data?: Data): PresenceChange {
    const before = this.entry(user.id);
    let record = this.users.get(user.id);
    if (record === undefined) {
      record = { user, devices: [], updatedAt: this.timestamp() };
      this.users.set(user.id, record);
    }
    record.user = user;
    const slot = slotOf(record, sessionId);
    // `concat` makes an array of exactly the right size; `push` (and spreading) would reserve 16 spare slots.
    if (slot === undefined) record.devices = record.devices.concat({ sessionId, device });
    else slot.device = device;
    if (data !== undefined) record.data = data;
    record.updatedAt = this.timestamp();
    return this.compare(user.id, before);
  }

  update(sessionId: string, userId: string, status: PresenceStatus, data?: Data): PresenceChange {
    const record = this.users.get(userId);
    const slot = record === undefined ? undefined : slotOf(record, sessionId);
    if (record === undefined || slot === undefined) return { kind: 'none' };
    const before = this.entry(userId);
    slot.device = { ...slot.device, status };
    if (data !== undefined) record.data = data;
    record.updatedAt = this.timestamp();
    return this.compare(userId, before);
  }

  disconnect(sessionId: string, userId: string): PresenceChange {
    const record = this.users.get(userId);
    const index = record?.devices.findIndex((slot) => slot.sessionId === sessionId) ?? -1;
    if (record === undefined || index < 0) return { kind: 'none' };
    const before = this.entry(userId);
    record.devices.splice(index, 1);
    record.updatedAt = this.timestamp();
    if (record.devices.length === 0) this.users.delete(userId);
    return this.compare(userId, before);
  }

  /** The user's presence as others see it; undefined when offline or invisible on every device. */
  entry(userId: string): PresenceEntry | undefined {
    const record = this.users.get(userId);
    if (record === undefined) return undefined;
    const devices: PresenceDevice[] = [];
    for (const { device } of record.devices) if (device.status !== 'invisible') devices.push(device);
    const status = aggregateStatus(devices);
    if (status === undefined) return undefined;
    const entry: PresenceEntry = { user_id: record.user.id, status, devices, updated_at: record.updatedAt };
    if (record.user.display_name !== undefined) entry.display_name = record.user.display_name;
    if (record.data !== undefined) entry.data = record.data;
    return entry;
  }

  /** Every user visible to others. */
  list(): PresenceEntry[] {
    const out: PresenceEntry[] = [];
    for (const userId of this.users.keys()) {
      const entry = this.entry(userId);
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  /** Users with at least one connection, visible or not. */
  get userCount(): number {
    return this.users.size;
  }

  private compare(userId: string, before: PresenceEntry | undefined): PresenceChange {
    const after = this.entry(userId);
    if (before === undefined && after === undefined) return { kind: 'none' };
    if (before === undefined && after !== undefined) return { kind: 'join', entry: after };
    if (after === undefined) return { kind: 'leave', userId };
    return { kind: 'update', entry: after };
  }
}

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

interface UserRecord {
  user: User;
  /** One device per connection, keyed by the connection's session id. */
  devices: Map<string, PresenceDevice>;
  data?: Data;
  updatedAt: string;
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
      record = { user, devices: new Map(), updatedAt: this.timestamp() };
      this.users.set(user.id, record);
    }
    record.user = user;
    record.devices.set(sessionId, device);
    if (data !== undefined) record.data = data;
    record.updatedAt = this.timestamp();
    return this.compare(user.id, before);
  }

  update(sessionId: string, userId: string, status: PresenceStatus, data?: Data): PresenceChange {
    const record = this.users.get(userId);
    const device = record?.devices.get(sessionId);
    if (record === undefined || device === undefined) return { kind: 'none' };
    const before = this.entry(userId);
    record.devices.set(sessionId, { ...device, status });
    if (data !== undefined) record.data = data;
    record.updatedAt = this.timestamp();
    return this.compare(userId, before);
  }

  disconnect(sessionId: string, userId: string): PresenceChange {
    const record = this.users.get(userId);
    if (record === undefined || !record.devices.has(sessionId)) return { kind: 'none' };
    const before = this.entry(userId);
    record.devices.delete(sessionId);
    record.updatedAt = this.timestamp();
    if (record.devices.size === 0) this.users.delete(userId);
    return this.compare(userId, before);
  }

  /** The user's presence as others see it; undefined when offline or invisible on every device. */
  entry(userId: string): PresenceEntry | undefined {
    const record = this.users.get(userId);
    if (record === undefined) return undefined;
    const devices = [...record.devices.values()].filter((device) => device.status !== 'invisible');
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

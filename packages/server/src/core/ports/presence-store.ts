import type { DeviceSnapshot } from '../presence/delta';

/** A device as written to the snapshot: the replicated table's view of it plus when it stops counting. */
export interface StoredDevice extends DeviceSnapshot {
  /** Epoch ms on the gateway's clock; readers ignore the field after it. */
  expires_at: number;
}

/**
 * Where presence is kept for instances that start later and for crash expiry. Every call is fire and forget
 * or fails soft: presence across instances degrades, the gateway keeps serving.
 */
export interface PresenceStore {
  /** Writes (or rewrites) one device's field. Issued before its delta is published, on the same connection. */
  put(device: StoredDevice): void;
  remove(userId: string, sessionId: string): void;
  /** This instance's liveness key plus every one of its devices, with fresh expiries. */
  refresh(node: string, ttlMs: number, devices: readonly StoredDevice[]): Promise<void>;
  /** Every device in the snapshot whose expiry is still ahead of `now`. */
  load(now: number): Promise<StoredDevice[]>;
  /** Which of these instances still have a liveness key. */
  alive(nodes: readonly string[]): Promise<Set<string>>;
  /** `SET NX PX`: true when this instance may sweep now. */
  lock(owner: string, ttlMs: number): Promise<boolean>;
  /** Drops the liveness key (a clean stop). */
  forget(node: string): Promise<void>;
}

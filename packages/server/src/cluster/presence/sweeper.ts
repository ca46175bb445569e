import type { Logger } from '../../core/ports/logger';
import type { PresenceStore } from '../../core/ports/presence-store';
import type { PresenceTable } from '../../core/presence/table';
import type { Liveness } from './liveness';

export interface SweepOptions {
  readonly table: Pick<PresenceTable, 'nodes' | 'devicesOf'>;
  readonly store: Pick<PresenceStore, 'lock' | 'remove'>;
  readonly liveness: Pick<Liveness, 'gone' | 'forget'>;
  readonly serverId: string;
  /** How long this sweep holds the lock: one sweep at a time across instances. */
  readonly lockMs: number;
  readonly isClosed: () => boolean;
  readonly logger: Logger;
  /** Publishes the device's `down` (the table and every other instance apply it; this instance announces). */
  readonly down: (session: string, userId: string) => void;
}

/**
 * Takes down the devices of instances found gone (no liveness key, not heard within a TTL): whoever holds the
 * sweeper's lock removes their snapshot fields and publishes a `down` for each, so each leave is announced once.
 */
export async function sweepGoneInstances(options: SweepOptions): Promise<void> {
  const { table, store, liveness, serverId, logger } = options;
  const dead = await liveness.gone(table.nodes());
  if (dead.length === 0 || options.isClosed()) return;
  if (!(await store.lock(serverId, options.lockMs))) return;
  for (const node of dead) {
    liveness.forget(node);
    const devices = table.devicesOf(node);
    logger.info({ node, devices: devices.length }, 'presence: instance gone, taking its devices down');
    for (const { session, userId } of devices) {
      store.remove(userId, session);
      options.down(session, userId);
    }
  }
}

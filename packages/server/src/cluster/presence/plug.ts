import type { CoreSeams } from '../../core/gateway';
import { randomChars } from '../../core/ids';
import type { PresenceStore } from '../../core/ports/presence-store';
import { Liveness } from './liveness';
import { PresenceReplication } from './replication';

/**
 * Replicates the presence table over the gateway's backplane (gateways sharing one in-process backplane see
 * each other too); with a snapshot store, also bootstrap, liveness and the sweeper. Returns the liveness of
 * other instances when there is a store to tell it.
 */
export function plugPresenceReplication(core: CoreSeams, store: PresenceStore | undefined): Liveness | undefined {
  const { options, presence, registry, stamps } = core.parts;
  const { clock, serverId, presenceTtlMs } = options;
  const liveness = store === undefined ? undefined : new Liveness(serverId, store, clock, presenceTtlMs);
  const replication = new PresenceReplication({
    presence,
    backplane: options.backplane,
    serverId,
    clock,
    logger: options.logger,
    timestamp: () => stamps.timestamp(),
    nonce: () => randomChars(options.random, 12),
    localSession: (sessionId) => registry.session(sessionId),
    store:
      store === undefined || liveness === undefined ? undefined : { snapshot: store, liveness, ttlMs: presenceTtlMs },
  });
  presence.orderBy(replication);
  core.onStop(() => replication.close());
  return liveness;
}

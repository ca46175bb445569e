import type { EventDefinition } from '@gateway/protocol';
import { plugHandover } from './cluster/handover/plug';
import { plugPresenceReplication } from './cluster/presence/plug';
import { plugUnpublishedRescue } from './cluster/rescue/plug';
import { plugResumeAnywhere } from './cluster/resume/resume-anywhere';
import type { Gateway } from './core/api';
import { createCore } from './core/gateway';
import { retentionResolver } from './core/log-retention';
import { type GatewayOptions, resolveOptions } from './core/options';
import { systemClock } from './core/ports/clock';
import { hasEventsStream } from './core/ports/session-store';
import { InMemoryBackplane } from './memory/backplane';
import { inMemorySharedState } from './memory/shared-state';

/**
 * The gateway: its core with in-memory defaults for the ports not given, and the cluster features the given
 * ones allow. Presence is replicated over the backplane always (gateways sharing one see each other); a
 * presence store adds bootstrap, liveness and the sweeper, and with them the rescue of messages a dead
 * instance accepted; session records add resume on any instance: rebuilt from the events stream when the
 * store has one, handed over by the live holder otherwise.
 */
export function createGateway<const Events extends readonly EventDefinition[] = []>(
  options: GatewayOptions<Events> = {},
): Gateway<Events> {
  const resolved = resolveOptions({
    ...options,
    backplane:
      options.backplane ??
      new InMemoryBackplane({
        now: () => (options.clock ?? systemClock).now(),
        retentionFor: retentionResolver(options.roomLogRetention, options.roomLogDefault),
        ...(options.roomLogBudget === undefined ? {} : { logBudget: options.roomLogBudget }),
      }),
    sharedState: options.sharedState ?? inMemorySharedState,
  });
  const core = createCore<Events>(resolved);
  const liveness = plugPresenceReplication(core, resolved.presenceStore);
  if (liveness !== undefined) plugUnpublishedRescue(core, liveness);
  const records = resolved.resumeWindowMs > 0 ? resolved.sessionStore : undefined;
  if (records !== undefined && hasEventsStream(records)) plugResumeAnywhere(core, records);
  else if (records !== undefined) plugHandover(core, records, liveness);
  return core.gateway;
}

import type { CoreSeams } from '../../core/gateway';
import { publishMessage } from '../../core/handlers/chat';
import type { Liveness } from '../presence/liveness';
import { UnpublishedRescue } from './unpublished-rescue';

/** Publishes, on this instance's own timer, what gone instances accepted but never published. */
export function plugUnpublishedRescue(core: CoreSeams, liveness: Liveness): void {
  const { parts } = core;
  const store = parts.unpublished;
  if (store === undefined) return;
  const { options } = parts;
  const rescue = new UnpublishedRescue({
    store,
    serverId: options.serverId,
    gone: (nodes) => liveness.gone(nodes),
    publish: (message) => publishMessage(parts, message),
    clock: options.clock,
    // As often as the presence sweep: a gone instance is noticed on that scale anyway.
    periodMs: Math.max(1, Math.floor(options.presenceTtlMs / 3)),
    logger: options.logger,
  });
  core.onStop(() => rescue.close());
}

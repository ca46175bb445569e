import type { CoreSeams } from '../../core/gateway';
import type { SessionStore } from '../../core/ports/session-store';
import { RemoteResumer } from './executor';
import { StreamTracker, SWEEP_MS } from './tracker';

/**
 * Resume on any instance (docs/scale-out.md): the tracker follows every local session's place in the events
 * stream and writes it to the session store; the resumer rebuilds a session another instance held. Plugged
 * into the core's session hooks, its resume of unknown sessions, and its stop (sessions are released for other
 * instances to resume rather than ended).
 */
export function plugResumeAnywhere(core: CoreSeams, store: SessionStore): void {
  const { parts, fanout, hooks } = core;
  const { options, registry, lifecycle } = parts;
  const recordTtlMs = options.resumeWindowMs + 2 * SWEEP_MS;
  const tracker = new StreamTracker({
    serverId: options.serverId,
    store,
    fanout,
    session: (sessionId) => registry.session(sessionId),
    handOver: (session) => lifecycle.handOver(session),
    movedOut: () => parts.counters.sessionMoved('out'),
    clock: options.clock,
    logger: options.logger,
    recordTtlMs,
  });
  const resumer = new RemoteResumer(parts, fanout, store, tracker, recordTtlMs);
  hooks.add(tracker);
  parts.extensions.resumeElsewhereWith((request) => resumer.resume(request));
  parts.extensions.releaseSessionsWith(() => tracker.releaseAll(registry.sessionList()));
}

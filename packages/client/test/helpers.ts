import { waitForEvent } from '../../testkit/src/waits';
import type { ClientEvents, GatewayClient } from '../src/index';

/** Resolves with the next `event` the client emits, or rejects after a deadline (real time; never a sleep). */
export function nextEvent<K extends keyof ClientEvents>(
  client: GatewayClient,
  event: K,
  where: (value: ClientEvents[K]) => boolean = () => true,
  ms = 3000,
): Promise<ClientEvents[K]> {
  return waitForEvent(client, event, { where, timeoutMs: ms });
}

/** Resolves once the client reaches `state`. */
export function reachState(client: GatewayClient, state: GatewayClient['state'], ms = 3000): Promise<unknown> {
  if (client.state === state) return Promise.resolve();
  return nextEvent(client, 'state', (change) => change.to === state, ms);
}

/**
 * Collects what escapes to the process while a hostile-server test runs: an uncaught exception or an
 * unhandled rejection means the client threw into the app. `stop()` detaches the listeners.
 */
export function watchCrashes(): { readonly crashes: unknown[]; stop(): void } {
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  return {
    crashes,
    stop() {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    },
  };
}

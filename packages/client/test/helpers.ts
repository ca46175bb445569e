import type { ClientEvents, GatewayClient } from '../src/index';

/** Resolves with the next `event` the client emits, or rejects after a deadline (real time; never a sleep). */
export function nextEvent<K extends keyof ClientEvents>(
  client: GatewayClient,
  event: K,
  where: (value: ClientEvents[K]) => boolean = () => true,
  ms = 3000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener as never);
      reject(new Error(`Timed out after ${ms} ms waiting for "${String(event)}"`));
    }, ms);
    const listener = (value: ClientEvents[K]) => {
      if (!where(value)) return;
      clearTimeout(timer);
      client.off(event, listener as never);
      resolve(value);
    };
    client.on(event, listener as never);
  });
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

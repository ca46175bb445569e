import type { ClientEvents, GatewayClient } from '@gateway/client';

/** Listeners for some of a client's built-in events, by name. */
export type Handlers = { readonly [K in keyof ClientEvents]?: (value: ClientEvents[K]) => void };

type Untyped = (event: string, listener: (value: unknown) => void) => unknown;

/** Adds each handler to the client; the function returned removes them all. */
export function listenTo(client: GatewayClient, handlers: Handlers): () => void {
  // The emitter's methods are typed per event name; a loop over names can only call them untyped.
  const on = client.on.bind(client) as unknown as Untyped;
  const off = client.off.bind(client) as unknown as Untyped;
  const added = Object.entries(handlers) as [string, (value: unknown) => void][];
  for (const [event, handler] of added) on(event, handler);
  return () => {
    for (const [event, handler] of added) off(event, handler);
  };
}

/** A set of change listeners, for the stores `useSyncExternalStore` reads. */
export class Listeners {
  private readonly _set = new Set<() => void>();

  add(listener: () => void): () => void {
    this._set.add(listener);
    return () => this._set.delete(listener);
  }

  notify(): void {
    for (const listener of [...this._set]) listener();
  }
}

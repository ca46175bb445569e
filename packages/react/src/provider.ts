import { type ClientOptions, createClient, type GatewayClient } from '@gateway/client';
import { createElement, type ReactElement, type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { ConnectionStore } from './connection-store';
import { GatewayContext, type GatewayContextValue, NO_CLIENT } from './context';
import type { Definitions, RegisteredEvents } from './register';
import { RoomRegistry } from './room-registry';

export type GatewayProviderProps<Defs extends Definitions = RegisteredEvents> = {
  readonly children?: ReactNode;
} & (
  | {
      /** A client the app made and owns: the provider neither connects nor closes it. */
      readonly client: GatewayClient<Defs>;
      readonly options?: never;
    }
  | {
      /**
       * Options for a client the provider makes (in the browser or app only, never while rendering on a
       * server), connects after mounting (unless `autoConnect: false`) and closes when it unmounts. Read once:
       * to change them, remount the provider (a new `key`).
       */
      readonly options: ClientOptions<Defs>;
      readonly client?: never;
    }
);

/** There is a `window` in browsers and in React Native, none in Node or another server runtime. */
const canConnect = (): boolean => typeof window !== 'undefined';

interface Owned {
  readonly client: GatewayClient;
  readonly connect: boolean;
}

/** The client the provider makes from `options`, once, idle; none on a server. */
function useOwnedClient(options: ClientOptions<Definitions> | undefined): Owned | null {
  const [owned] = useState(() =>
    options === undefined || !canConnect()
      ? null
      : {
          client: createClient({ ...options, autoConnect: false }) as GatewayClient,
          connect: options.autoConnect !== false,
        },
  );
  return owned;
}

/**
 * Connects the owned client after mount and closes it a microtask after unmount. StrictMode runs the effect,
 * its cleanup and the effect again on one mount: the second run cancels the close, so one client and one
 * socket serve the component.
 */
function useOwnedConnection(owned: Owned | null): void {
  const closing = useRef<{ cancelled: boolean } | undefined>(undefined);
  useEffect(() => {
    if (owned === null) return;
    if (closing.current !== undefined) closing.current.cancelled = true;
    else if (owned.connect) owned.client.connect();
    closing.current = undefined;
    return () => {
      const close = { cancelled: false };
      closing.current = close;
      queueMicrotask(() => close.cancelled || owned.client.close());
    };
  }, [owned]);
}

/**
 * Gives the hooks below it one gateway client: `options` for a client it makes and closes, or an existing
 * `client`. While rendering on a server it makes none, and the hooks return their initial state.
 */
export function GatewayProvider<const Defs extends Definitions = RegisteredEvents>(
  props: GatewayProviderProps<Defs>,
): ReactElement {
  const owned = useOwnedClient(props.options as ClientOptions<Definitions> | undefined);
  // The hooks use built-in events only, the same whatever the app's events: one untyped client inside.
  const client = (props.client ?? owned?.client ?? null) as GatewayClient | null;
  const value = useMemo<GatewayContextValue>(
    () =>
      client === null
        ? NO_CLIENT
        : { client, connection: new ConnectionStore(client), rooms: new RoomRegistry(client) },
    [client],
  );
  // Attached before the owned client connects, so the store hears that attempt's errors.
  useEffect(() => value.connection?.attach(), [value]);
  useOwnedConnection(owned);
  return createElement(GatewayContext.Provider, { value }, props.children);
}

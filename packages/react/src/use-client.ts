import type { GatewayClient } from '@gateway/client';
import { useCallback, useSyncExternalStore } from 'react';
import { type ConnectionStatus, INITIAL_CONNECTION } from './connection-store';
import { useGatewayContext } from './context';
import type { Definitions, RegisteredEvents } from './register';

/** The provider's client, for what the hooks do not cover (`editMessage`, `setPresence`, `request`, …); null on a server. */
export function useClient<Defs extends Definitions = RegisteredEvents>(): GatewayClient<Defs> | null {
  return useGatewayContext('useClient').client as GatewayClient<Defs> | null;
}

const nothing = () => () => {};
const initial = () => INITIAL_CONNECTION;

/** The connection's state (`idle`, `connecting`, `handshaking`, `ready`, `reconnecting`, `closed`) and the last error. */
export function useConnection(): ConnectionStatus {
  const { connection } = useGatewayContext('useConnection');
  const subscribe = useCallback(
    (changed: () => void) => connection?.listeners.add(changed) ?? (() => {}),
    [connection],
  );
  const get = useCallback(() => connection?.get() ?? INITIAL_CONNECTION, [connection]);
  return useSyncExternalStore(connection === null ? nothing : subscribe, get, initial);
}

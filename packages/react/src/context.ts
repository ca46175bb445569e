import type { GatewayClient } from '@gateway/client';
import { createContext, useContext } from 'react';
import type { ConnectionStore } from './connection-store';
import type { RoomRegistry } from './room-registry';

/** What the provider gives its hooks: one client and the stores kept from it; none while rendering on a server. */
export type GatewayContextValue =
  | { readonly client: GatewayClient; readonly connection: ConnectionStore; readonly rooms: RoomRegistry }
  | { readonly client: null; readonly connection: null; readonly rooms: null };

export const NO_CLIENT: GatewayContextValue = { client: null, connection: null, rooms: null };

export const GatewayContext = /* @__PURE__ */ createContext<GatewayContextValue | undefined>(undefined);

export function useGatewayContext(hook: string): GatewayContextValue {
  const value = useContext(GatewayContext);
  if (value === undefined) {
    throw new Error(
      `${hook}() needs a <GatewayProvider> above it: wrap your app in <GatewayProvider options={{ url }}> or <GatewayProvider client={client}>.`,
    );
  }
  return value;
}

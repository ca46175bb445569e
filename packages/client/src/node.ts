// The Node entry (the `node` export condition): the same client, whose WebSocket defaults to `ws` (capped at
// three times `maxIncomingFrameBytes`), else Node 22's global WebSocket. Only this entry knows `ws`, loaded
// when a client needs it, so browsers and React Native never install or bundle it (it is an optional peer).
import { createRequire } from 'node:module';
import type { EventDefinition } from '@gateway/protocol';
import { GatewayClient as Client } from './client';
import { type ClientOptions, DEFAULT_MAX_FRAME } from './options';
import { cappedWs, type WebSocketConstructor } from './transport';

export * from './index';

type Definitions = readonly EventDefinition[];

function nodeWebSocket(maxIncomingFrameBytes: number): WebSocketConstructor {
  try {
    return cappedWs(createRequire(import.meta.url)('ws'), maxIncomingFrameBytes);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
  }
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global !== undefined) return global;
  throw new TypeError(
    '@gateway/client needs a WebSocket: install ws (npm install ws), use Node 22 or later, or pass options.WebSocket.',
  );
}

/** The gateway client; on Node its WebSocket defaults to `ws`, else the global one (Node 22). */
export class GatewayClient<Defs extends Definitions = []> extends Client<Defs> {
  constructor(options: ClientOptions<Defs>) {
    super(
      options.WebSocket === undefined
        ? { ...options, WebSocket: nodeWebSocket(options.maxIncomingFrameBytes ?? DEFAULT_MAX_FRAME) }
        : options,
    );
  }
}

/**
 * Creates a client, connecting at once unless `autoConnect: false`.
 * Custom events passed in `events` are validated on receipt and typed in `on` and `send`.
 */
export function createClient<const Defs extends Definitions = []>(options: ClientOptions<Defs>): GatewayClient<Defs> {
  return new GatewayClient<Defs>(options);
}

import type { ClientEvents, ClientState, EventDefinition, GatewayClient } from '@gateway/client';

type Definitions = readonly EventDefinition[];

/** An event a client emits: a server frame type (`chat.message`), one of your events, or the client's own (`state`). */
export type ClientEventName<Defs extends Definitions> = keyof ClientEvents<Defs> & string;

export interface WaitOptions {
  /**
   * How long to wait before rejecting, in ms of real time (sockets run on real time; only the clock is manual).
   * @default 3000
   */
  timeoutMs?: number;
}

export interface WaitForEventOptions<T> extends WaitOptions {
  /** Only an event whose value passes this; others are let by. */
  where?: (value: T) => boolean;
}

type Listener = (value: unknown) => void;

/**
 * Resolves with the next `name` event the client emits (that passes `where`), or rejects once `timeoutMs` has
 * passed: a bounded wait, never a sleep. Listen before the step that causes the event, then await.
 */
export function waitForEvent<Defs extends Definitions, K extends ClientEventName<Defs>>(
  client: GatewayClient<Defs>,
  name: K,
  { where = () => true, timeoutMs = 3000 }: WaitForEventOptions<ClientEvents<Defs>[K]> = {},
): Promise<ClientEvents<Defs>[K]> {
  // The emitter's listener types are tuples per event; a generic K cannot be narrowed to one of them.
  const on = client.on.bind(client) as unknown as (name: string, listener: Listener) => void;
  const off = client.off.bind(client) as unknown as (name: string, listener: Listener) => void;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off(name, listener);
      reject(new Error(`No "${name}" event within ${timeoutMs} ms (the client is ${client.state})`));
    }, timeoutMs);
    const listener: Listener = (value) => {
      const typed = value as ClientEvents<Defs>[K];
      if (!where(typed)) return;
      clearTimeout(timer);
      off(name, listener);
      resolve(typed);
    };
    on(name, listener);
  });
}

/** Resolves once the client is in `state` (at once when it is already), or rejects after `timeoutMs`. */
export async function waitForState<Defs extends Definitions>(
  client: GatewayClient<Defs>,
  state: ClientState,
  options: WaitOptions = {},
): Promise<void> {
  if (client.state === state) return;
  await waitForEvent(client, 'state', { ...options, where: ({ to }) => to === state }).catch((error: Error) => {
    throw new Error(`The client did not reach "${state}": ${error.message}`);
  });
}

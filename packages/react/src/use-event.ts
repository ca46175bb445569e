import type { ClientEvents } from '@gateway/client';
import { useEffect, useInsertionEffect, useRef } from 'react';
import { useGatewayContext } from './context';
import type { EventName, RegisteredEvents, ServerEventDefinition } from './register';

type Untyped = (event: string, listener: (value: unknown) => void) => unknown;

/**
 * Calls `handler` with every `name` event the client emits while the component is mounted: a server frame
 * (`chat.message`), one of the client's own events (`state`, `reset`, `resumed`, …) or one of the app's
 * registered events (see `Register`). Typed from them: an unknown name or a handler for another payload does
 * not compile. The latest handler is called, without re-subscribing when it changes.
 */
export function useEvent<K extends EventName>(
  name: K,
  handler: (value: ClientEvents<RegisteredEvents>[K]) => void,
): void;
/** The same for an app event given by its definition (`defineEvent(…)`), registered or not. */
export function useEvent<D extends ServerEventDefinition>(
  event: D,
  handler: (value: ClientEvents<[D]>[D['name'] & keyof ClientEvents<[D]>]) => void,
): void;
export function useEvent(nameOrEvent: string | ServerEventDefinition, handler: (value: never) => void): void {
  const { client } = useGatewayContext('useEvent');
  const name = typeof nameOrEvent === 'string' ? nameOrEvent : nameOrEvent.name;
  const latest = useRef(handler);
  useInsertionEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (client === null) return;
    // The emitter is typed per event name; the overloads above hold the typing for callers.
    const on = client.on.bind(client) as unknown as Untyped;
    const off = client.off.bind(client) as unknown as Untyped;
    const listener = (value: unknown) => (latest.current as (value: unknown) => void)(value);
    on(name, listener);
    return () => {
      off(name, listener);
    };
  }, [client, name]);
}

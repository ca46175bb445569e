import type { ClientEvents, EventDefinition } from '@gateway/client';

/**
 * Where an app registers its own events once, so every hook is typed from them:
 *
 * ```ts
 * declare module '@gateway/react' {
 *   interface Register {
 *     events: typeof events; // the list passed to createClient({ events }) and startServer({ events })
 *   }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: apps merge their `events` into it.
export interface Register {}

export type Definitions = readonly EventDefinition[];

/** The app's registered events (`Register['events']`), or none. */
export type RegisteredEvents = Register extends { events: infer Defs extends Definitions } ? Defs : [];

/** Every event name a client emits: the protocol's frames, the client's own events and the app's server events. */
export type EventName<Defs extends Definitions = RegisteredEvents> = keyof ClientEvents<Defs> & string;

/** An app event the server may send, passed to `useEvent` by its definition. */
export type ServerEventDefinition = EventDefinition & { readonly direction: 'server' | 'both' };

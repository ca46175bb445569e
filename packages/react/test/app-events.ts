import { defineEvent } from '@gateway/client';
import * as z from 'zod/mini';

// The app's own events, shared by the server and the clients, and registered for the hooks' types below.
export const Ping = defineEvent('app.ping', z.object({ n: z.number() }), { direction: 'server' });
export const Note = defineEvent('app.note', z.object({ text: z.string() }));
export const Hello = defineEvent('app.hello', z.object({ name: z.string() }), { direction: 'client' });
export const events = [Ping, Note, Hello] as const;

declare module '@gateway/react' {
  interface Register {
    events: typeof events;
  }
}

import {
  type ChatMessage,
  type ClientState,
  createClient,
  defineEvent,
  type GatewayClient,
  type GatewayClientError,
  type PresenceEntry,
} from '@gateway/client';
import { createElement } from 'react';
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod/mini';
import {
  GatewayProvider,
  type MessageHole,
  type MessageItem,
  type RegisteredEvents,
  type RoomStatus,
  useClient,
  useConnection,
  useEvent,
  useMessages,
  usePresence,
  useTyping,
} from '../src/index';
import { events, Hello, Note, Ping } from './app-events';

// app-events.ts registers its events (`declare module '@gateway/react' { interface Register … }`), as an app does
// once: every hook below is typed from them and from the protocol. The hooks are only type-checked here.

describe('the registered events', () => {
  it('are the hooks’ events', () => {
    expectTypeOf<RegisteredEvents>().toEqualTypeOf<typeof events>();
    expectTypeOf(useClient()).toEqualTypeOf<GatewayClient<typeof events> | null>();
  });
});

describe('useEvent', () => {
  it('types the protocol’s frames, the client’s own events and the app’s server events by name', () => {
    useEvent('chat.message', (message) => expectTypeOf(message).toEqualTypeOf<ChatMessage>());
    useEvent('state', (change) => expectTypeOf(change.to).toEqualTypeOf<ClientState>());
    useEvent('error', (error) => expectTypeOf(error).toEqualTypeOf<GatewayClientError>());
    useEvent('app.ping', (payload) => expectTypeOf(payload).toEqualTypeOf<{ n: number }>());
    useEvent('app.note', (payload) => expectTypeOf(payload).toEqualTypeOf<{ text: string }>());
  });

  it('types an app event given by its definition, registered or not', () => {
    useEvent(Ping, (payload) => expectTypeOf(payload).toEqualTypeOf<{ n: number }>());
    const Other = defineEvent('other.thing', z.object({ id: z.string() }), { direction: 'server' });
    useEvent(Other, (payload) => expectTypeOf(payload).toEqualTypeOf<{ id: string }>());
  });

  it('rejects an unknown name, a client-only event and a handler for another payload', () => {
    // @ts-expect-error: no such event
    useEvent('chat.mesage', () => {});
    // @ts-expect-error: an event only clients send never reaches a client
    useEvent('app.hello', () => {});
    // @ts-expect-error: nor by its definition
    useEvent(Hello, () => {});
    // @ts-expect-error: a chat message has no `text`
    useEvent('chat.message', (message) => message.text);
    // @ts-expect-error: app.ping carries a number
    useEvent('app.ping', (payload: { n: string }) => payload);
    // @ts-expect-error: app.note carries `text`
    useEvent(Note, (payload: { body: string }) => payload);
  });
});

describe('GatewayProvider', () => {
  it('takes a client of the app’s events, or the options to make one', () => {
    const client = createClient({ url: 'ws://x', autoConnect: false, events });
    createElement(GatewayProvider, { client });
    createElement(GatewayProvider, { options: { url: 'ws://x', events } });
  });

  it('takes one of the two, not both, and options only of the right shape', () => {
    const client = createClient({ url: 'ws://x', autoConnect: false, events });
    // @ts-expect-error: one or the other
    createElement(GatewayProvider, { client, options: { url: 'ws://x' } });
    // @ts-expect-error: one of them is needed
    createElement(GatewayProvider, {});
    // @ts-expect-error: the url is required
    createElement(GatewayProvider, { options: { userId: 'alice' } });
  });
});

describe('the other hooks', () => {
  it('return what their names say', () => {
    expectTypeOf(useConnection().state).toEqualTypeOf<ClientState>();
    expectTypeOf(useConnection().error).toEqualTypeOf<GatewayClientError | undefined>();
    const { messages, send, retry, hole, dismissHole } = useMessages('lobby');
    expectTypeOf(messages).toEqualTypeOf<readonly MessageItem[]>();
    expectTypeOf(hole).toEqualTypeOf<MessageHole | undefined>();
    expectTypeOf(dismissHole).toEqualTypeOf<() => void>();
    expectTypeOf(send).returns.toBeString();
    expectTypeOf(retry).parameter(0).toBeString();
    expectTypeOf(usePresence().users).toEqualTypeOf<readonly PresenceEntry[]>();
    expectTypeOf(usePresence({ select: (users) => users.length }).users).toBeNumber();
    expectTypeOf(useTyping('lobby').users).toEqualTypeOf<readonly string[]>();
  });

  it('narrow a message row and a room status by their `status`', () => {
    const item = {} as MessageItem;
    if (item.status === 'sent') expectTypeOf(item.created_at).toBeString();
    else expectTypeOf(item.error).toEqualTypeOf<GatewayClientError | undefined>();
    const status = {} as RoomStatus;
    if (status.status === 'refused') expectTypeOf(status.code).toBeString();
    if (status.status === 'error') expectTypeOf(status.error).toEqualTypeOf<GatewayClientError>();
  });

  it('type a hole’s reason as the protocol’s, and its offsets as absent when the epoch changed', () => {
    const hole = {} as MessageHole;
    expectTypeOf(hole.reason).toEqualTypeOf<'epoch_changed' | 'too_old' | 'too_many' | 'unavailable'>();
    expectTypeOf(hole.missed_from).toEqualTypeOf<number | undefined>();
    expectTypeOf(hole.after).toEqualTypeOf<string | undefined>();
  });
});

import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod/mini';
import {
  type AckResults,
  type ChatMessage,
  type ClientState,
  createClient,
  defineEvent,
  type GatewayClientError,
  type PresenceChange,
  type ServerPayloads,
} from '../src/index';

const client = createClient({ url: 'ws://x', autoConnect: false });
const game = createClient({
  url: 'ws://x',
  autoConnect: false,
  events: [
    defineEvent('game.move', z.object({ x: z.int() }), { direction: 'server' }),
    defineEvent('game.ping', z.object({ n: z.int() }), { direction: 'client' }),
    defineEvent('game.chat', z.object({ text: z.string() })),
  ],
});

describe('typed events', () => {
  it('types server frames by name', () => {
    client.on('chat.message', (m) => {
      expectTypeOf(m).toEqualTypeOf<ChatMessage>();
      expectTypeOf(m.content).toBeString();
    });
    client.on('presence.diff', (p) => {
      expectTypeOf(p).toEqualTypeOf<ServerPayloads['presence.diff']>();
      expectTypeOf(p.count).toBeNumber();
      expectTypeOf(p.left).toEqualTypeOf<string[] | undefined>();
    });
    // @ts-expect-error: the per-user presence dispatches became presence.diff
    client.on('presence.join', () => {});
    client.once('typing.start', (t) => expectTypeOf(t.expires_in_ms).toBeNumber());
    client.off('chat.message');
  });

  it('types the client’s own events', () => {
    client.on('state', (change) =>
      expectTypeOf(change).toEqualTypeOf<{ readonly from: ClientState; readonly to: ClientState }>(),
    );
    client.on('error', (error) => expectTypeOf(error).toEqualTypeOf<GatewayClientError>());
    client.on('ready', (ready) => expectTypeOf(ready.session_id).toBeString());
    client.on('presence', (change) => {
      expectTypeOf(change).toEqualTypeOf<PresenceChange>();
      expectTypeOf(change.room_id).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf(client.presence.count('r')).toEqualTypeOf<number | undefined>();
    client.on('typing', (change) => expectTypeOf(change.user_ids).toEqualTypeOf<string[]>());
    client.on('gap', (gap) => expectTypeOf(gap).toEqualTypeOf<{ readonly since: number; readonly seq: number }>());
    client.on('resumed', (resumed) => {
      expectTypeOf(resumed.replayed).toBeNumber();
      expectTypeOf(resumed.session_id).toBeString();
    });
    client.on('reset', (reset) => expectTypeOf(reset.reason).toBeString());
    client.on('reconnecting', (r) =>
      expectTypeOf(r).toEqualTypeOf<{ readonly attempt: number; readonly delay_ms: number }>(),
    );
  });

  it('rejects unknown event names and wrong payload types', () => {
    // @ts-expect-error: no such event
    client.on('chat.mesage', () => {});
    // @ts-expect-error: a chat message has no `text`
    client.on('chat.message', (m) => m.text);
    // @ts-expect-error: the listener's parameter type does not match the payload
    client.on('chat.message', (m: { foo: number }) => m.foo);
    // @ts-expect-error: custom events exist only on clients created with them
    client.on('game.move', () => {});
  });

  it('types custom server events and keeps client-only ones out of `on`', () => {
    game.on('game.move', (move) => expectTypeOf(move).toEqualTypeOf<{ x: number }>());
    game.on('game.chat', (chat) => expectTypeOf(chat.text).toBeString());
    game.on('chat.message', (m) => expectTypeOf(m.room_id).toBeString());
    // @ts-expect-error: game.ping is sent by clients only
    game.on('game.ping', () => {});
  });

  it('types custom client events in send', () => {
    expectTypeOf(game.send('game.ping', { n: 1 })).toBeBoolean();
    game.send('game.chat', { text: 'hi' });
    // @ts-expect-error: wrong payload
    game.send('game.ping', { n: 'one' });
    // @ts-expect-error: server-only event
    game.send('game.move', { x: 1 });
    // @ts-expect-error: plain clients have no custom events to send
    client.send('game.ping', { n: 1 });
  });

  it('types requests and their results', () => {
    expectTypeOf(client.sendMessage('r', 'hi')).resolves.toEqualTypeOf<AckResults['chat.send']>();
    expectTypeOf(client.subscribe('r')).resolves.toEqualTypeOf<ServerPayloads['subscribed']>();
    expectTypeOf(client.request('chat.history', { room_id: 'r' })).resolves.toEqualTypeOf<AckResults['chat.history']>();
    expectTypeOf(game.request('game.ping', { n: 1 })).resolves.toEqualTypeOf<Record<string, unknown> | undefined>();
    // @ts-expect-error: identify is the client's own business
    client.request('identify', {});
    // @ts-expect-error: wrong payload for a built-in request
    client.request('chat.history', { room: 'r' });
  });
});

import { defineEvent } from '@gateway/protocol';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { startTestServer } from './helpers/server';

// Each test expresses one seed document's flow in our protocol.

describe('seed 000: programmatic gateway (FastAPI Gateway class)', () => {
  it('identify with user_id+device_type, handlers that answer, broadcast with exclude, send, presence, events since', async () => {
    const chatText = defineEvent('app.chat', z.object({ text: z.string() }), { direction: 'client' });
    const chatReply = defineEvent('app.chat_reply', z.object({ text: z.string() }), { direction: 'server' });
    const t = await startTestServer({ events: [chatText, chatReply] });
    const gateway = t.server.gateway;
    // @gateway.on_event(CHAT_MESSAGE): the returned event goes back to the sender.
    gateway.handle('app.chat', async (ctx, payload) => ({
      type: 'app.chat_reply',
      payload: { text: `${ctx.user.id} said ${payload.text}` },
    }));

    const { client, ready } = await t.join({ user_id: 'user-123', device_type: 'web' });
    expect(ready.payload.presence.map((p: { user_id: string }) => p.user_id)).toEqual(['user-123']);
    // Presence diffs reach the subject's own sessions too: its own arrival, then the other's, are seq 1 and 2.
    await client.nextChange('joined', 'user-123');
    const { client: other, ready: otherReady } = await t.join({ user_id: 'client-123', device_type: 'desktop' });
    await client.nextChange('joined', 'client-123');

    client.send({ type: 'app.chat', ref: 'c1', payload: { text: 'hello' } });
    const reply = await client.next('app.chat_reply');
    expect(reply.payload).toEqual({ text: 'user-123 said hello' });
    expect(reply.seq).toBeTypeOf('number');
    expect(await client.reply('c1')).toEqual({ type: 'ack', ref: 'c1', payload: {} });

    // gateway.broadcast(RECORDING_EVENT, {...}, exclude=["client-123"])
    gateway.broadcast(
      'recording.event',
      {
        recording_id: 'rec',
        user_id: 'system',
        index: 0,
        event: 'mouse_click',
        data: { x: 100, y: 200 },
        at: new Date().toISOString(),
      },
      { exclude: { sessions: [otherReady.payload.session_id] } },
    );
    expect((await client.next('recording.event')).payload.data).toEqual({ x: 100, y: 200 });
    // gateway.send("client-456", SYSTEM, {"message": "Welcome!"})
    expect(gateway.send({ sessionId: otherReady.payload.session_id }, 'system', { message: 'Welcome!' })).toBe(true);
    expect((await other.next('system')).payload).toEqual({ message: 'Welcome!' });
    await other.barrier();
    expect(other.all('recording.event')).toHaveLength(0);

    // gateway.get_presence()
    expect(gateway.presence().map((p) => [p.user_id, p.status])).toEqual([
      ['user-123', 'online'],
      ['client-123', 'online'],
    ]);
    // gateway.get_events_since(last_seq)
    const events = gateway.eventsSince(ready.payload.session_id, 0) ?? [];
    expect(events.map((e) => e.type)).toEqual(['presence.diff', 'presence.diff', 'app.chat_reply', 'recording.event']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events.slice(0, 2).map((e) => e.payload)).toEqual([
      { joined: [expect.objectContaining({ user_id: 'user-123', status: 'online' })], count: 1 },
      { joined: [expect.objectContaining({ user_id: 'client-123', status: 'online' })], count: 2 },
    ]);
  });
});

describe('seed 001: NestJS chat gateway (JWT, joinRoom, sendMessage ACCEPTED, heartbeat)', () => {
  it('refuses a non-member, acks ACCEPTED before the room gets newMessage', async () => {
    const secret = 'seed-001-secret-0123456789abcdef';
    const members: Record<string, string[]> = { 'room-uuid': ['u-1', 'u-2'] };
    const t = await startTestServer({
      jwtSecret: secret,
      authorize: ({ user, room_id }) =>
        members[room_id]?.includes(user.id) ? true : { allowed: false, reason: 'Not a member of this room.' },
    });
    const token = (sub: string) =>
      new SignJWT({ email: `${sub}@example.com` })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .sign(new TextEncoder().encode(secret));

    const sender = await t.connect();
    sender.send({ type: 'identify', payload: { token: await token('u-1') } });
    await sender.next('ready');
    const member = await t.connect();
    member.send({ type: 'identify', payload: { token: await token('u-2') } });
    await member.next('ready');
    const outsider = await t.connect();
    outsider.send({ type: 'identify', payload: { token: await token('u-9') } });
    await outsider.next('ready');

    for (const client of [sender, member, outsider])
      client.send({ type: 'subscribe', ref: 'join', payload: { room_ids: ['room-uuid'] } });
    expect((await sender.reply('join')).payload.rooms.map((r: { room_id: string }) => r.room_id)).toEqual([
      'room-uuid',
    ]);
    await member.reply('join');
    expect((await outsider.reply('join')).payload).toEqual({
      rooms: [],
      refused: [{ room_id: 'room-uuid', code: 'forbidden', message: 'Not a member of this room.' }],
    });

    sender.send({
      type: 'chat.send',
      ref: 'm',
      payload: { room_id: 'room-uuid', client_msg_id: 'cm-1', content: 'hello' },
    });
    const ack = await sender.reply('m');
    expect(ack.payload).toMatchObject({ status: 'accepted', client_msg_id: 'cm-1' });
    const newMessage = await member.next('chat.message');
    expect(newMessage.payload).toMatchObject({
      message_id: ack.payload.message_id,
      room_id: 'room-uuid',
      sender_id: 'u-1',
      client_msg_id: 'cm-1',
      kind: 'text',
      content: 'hello',
      created_at: expect.any(String),
    });
    member.send({ type: 'heartbeat', payload: {} });
    await member.next('heartbeat_ack');
    await outsider.barrier();
    expect(outsider.all('chat.message')).toHaveLength(0);
  });
});

describe('seed 002: Go gateway (/health, conversations, typing, ping)', () => {
  it('subscribes to two conversations, gets messages of one, sees typing of others, pings', async () => {
    const t = await startTestServer();
    const me = await t.joinRooms('me', ['conv-uuid-1', 'conv-uuid-2']);
    const peer = await t.joinRooms('peer', ['conv-uuid-1']);
    expect(await (await fetch(`${t.server.url}/health`)).json()).toEqual({ status: 'ok', connections: 2, mode: 'dev' });

    peer.send({ type: 'chat.send', payload: { room_id: 'conv-uuid-1', client_msg_id: 'x', content: 'Hello!' } });
    const message = await me.next('chat.message');
    expect(message.payload).toMatchObject({ room_id: 'conv-uuid-1', sender_id: 'peer', content: 'Hello!' });
    peer.send({ type: 'typing.start', payload: { room_id: 'conv-uuid-1' } });
    expect((await me.next('typing.start')).payload).toMatchObject({ room_id: 'conv-uuid-1', user_id: 'peer' });
    await peer.barrier();
    expect(peer.all('typing.start')).toHaveLength(0);
    me.send({ type: 'heartbeat' }); // ping → pong
    await me.next('heartbeat_ack');
  });
});

describe('seed 003: FastAPI session rooms (participants, questions, status)', () => {
  it('joins a session code, sees participants join/leave, chat and questions, typing, recent messages and status', async () => {
    const t = await startTestServer();
    const host = await t.joinRooms('host', ['ABC123']);
    host.send({ type: 'chat.send', payload: { room_id: 'ABC123', client_msg_id: 'h1', content: 'Welcome all' } });
    await host.next('chat.message');

    const { client: guest } = await t.join({ user_id: 'p-1', display_name: 'Guest' });
    guest.send({ type: 'subscribe', ref: 's', payload: { room_ids: ['ABC123'] } });
    const subscribed = await guest.reply('s');
    expect(subscribed.payload.rooms[0].recent_messages.map((m: { content: string }) => m.content)).toEqual([
      'Welcome all',
    ]);
    expect(subscribed.payload.rooms[0].member_count).toBe(2);
    expect(subscribed.payload.rooms[0].members.map((m: { user_id: string }) => m.user_id)).toEqual(['host', 'p-1']);
    // participant_joined
    const joined = await host.nextChange('joined', 'p-1', 'ABC123');
    expect(joined.entry).toMatchObject({ user_id: 'p-1', display_name: 'Guest' });
    expect(joined.frame.payload.count).toBe(2);

    guest.send({
      type: 'chat.send',
      payload: { room_id: 'ABC123', client_msg_id: 'q1', content: 'Why?', kind: 'question' },
    });
    expect((await host.next('chat.message')).payload).toMatchObject({
      kind: 'question',
      sender_name: 'Guest',
      content: 'Why?',
    });
    guest.send({ type: 'typing.start', payload: { room_id: 'ABC123' } });
    await host.next('typing.start');
    guest.send({ type: 'typing.stop', payload: { room_id: 'ABC123' } });
    await host.next('typing.stop');

    // GET /sessions/{code}/status
    const status = await (await fetch(`${t.server.url}/rooms/ABC123`)).json();
    expect(status).toMatchObject({ room_id: 'ABC123', online_users: ['host', 'p-1'], online_count: 2 });

    guest.close(); // participant_left
    const left = await host.nextChange('left', 'p-1', 'ABC123');
    expect(left.frame.payload).toEqual({ room_id: 'ABC123', left: ['p-1'], count: 1 });
    expect(t.server.gateway.room('ABC123').online_count).toBe(1);
  });
});

describe('seed 004: Discord-style guild gateway', () => {
  it('identify with guild subscriptions, guild events reach only subscribers, two devices of one user, /stats', async () => {
    const t = await startTestServer();
    const gateway = t.server.gateway;
    const { client: desktop, ready } = await t.join({
      user_id: 'u-1',
      device_type: 'desktop',
      subscriptions: ['guild1', 'guild2'],
    });
    expect(ready.payload.subscriptions).toEqual(['guild1', 'guild2']);
    const { client: mobile } = await t.join({ user_id: 'u-1', device_type: 'mobile', subscriptions: ['guild1'] });
    const { client: stranger } = await t.join({ user_id: 'u-2' });

    stranger.send({ type: 'guild.subscribe', ref: 'g', payload: { guild_id: 'guild2' } });
    expect((await stranger.reply('g')).payload.rooms[0].room_id).toBe('guild2');

    gateway.broadcast('guild.create', { guild_id: 'guild1', name: 'One' }, { room: 'guild1' });
    gateway.broadcast(
      'channel.create',
      { guild_id: 'guild1', channel_id: 'c1', name: 'general', kind: 'text' },
      { room: 'guild1' },
    );
    gateway.broadcast('guild_member.add', { guild_id: 'guild1', user_id: 'u-3', roles: [] }, { room: 'guild1' });
    gateway.broadcast(
      'voice.state.update',
      { guild_id: 'guild1', channel_id: null, user_id: 'u-3' },
      { room: 'guild1' },
    );
    for (const client of [desktop, mobile]) {
      expect((await client.next('guild.create')).payload.name).toBe('One');
      expect((await client.next('channel.create')).payload.channel_id).toBe('c1');
      expect((await client.next('guild_member.add')).payload.user_id).toBe('u-3');
      expect((await client.next('voice.state.update')).payload.channel_id).toBeNull();
    }
    await stranger.barrier();
    expect(stranger.frames.some((f) => ['guild.create', 'channel.create', 'guild_member.add'].includes(f.type))).toBe(
      false,
    );

    stranger.send({ type: 'guild.unsubscribe', ref: 'gu', payload: { guild_id: 'guild2' } });
    expect((await stranger.reply('gu')).payload).toEqual({ room_ids: ['guild2'] });
    gateway.broadcast('guild.update', { guild_id: 'guild2', name: 'Two' }, { room: 'guild2' });
    await desktop.next('guild.update');
    await stranger.barrier();
    expect(stranger.all('guild.update')).toHaveLength(0);

    const stats = await (await fetch(`${t.server.url}/stats`)).json();
    expect(stats).toMatchObject({ connections: 3, sessions: 3, users: 2, rooms: 2 });
  });
});

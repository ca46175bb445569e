import { GatewayClientError, type ServerPayloads } from '@gateway/client';
import { describe, expect, it } from 'vitest';
import { barrier, ManualClock, nextEvent, readyClient, record, startE2EServer } from './helpers';

describe('e2e: chat', () => {
  it('two subscribed clients chat; a client outside the room receives nothing', async () => {
    const server = await startE2EServer();
    const alice = await readyClient(server, 'alice', { rooms: ['lobby'] });
    const bob = await readyClient(server, 'bob', { rooms: ['lobby'] });
    const carol = await readyClient(server, 'carol', { rooms: ['lobby'] });
    await alice.subscribe('room-1');
    await bob.subscribe(['room-1']);
    const carolMessages = record(carol, 'chat.message');

    const aliceGot = nextEvent(alice, 'chat.message', (m) => m.room_id === 'room-1');
    const bobGot = nextEvent(bob, 'chat.message', (m) => m.room_id === 'room-1');
    const ack = await alice.sendMessage('room-1', 'hello bob', { metadata: { mood: 'cheerful' } });
    expect(ack).toEqual({
      status: 'accepted',
      message_id: expect.any(String),
      client_msg_id: expect.any(String),
      room_id: 'room-1',
    });
    const [atAlice, atBob] = await Promise.all([aliceGot, bobGot]);
    expect(atBob).toEqual(atAlice);
    expect(atBob).toMatchObject({
      message_id: ack.message_id,
      client_msg_id: ack.client_msg_id,
      room_id: 'room-1',
      sender_id: 'alice',
      sender_name: 'alice',
      kind: 'text',
      content: 'hello bob',
      metadata: { mood: 'cheerful' },
    });

    // The server handles alice's frames in order and writes carol's socket in order: had room-1's message
    // gone to carol, it would arrive before this one.
    await alice.sendMessage('lobby', 'hello everyone');
    const first = await nextEvent(carol, 'chat.message');
    expect(first).toMatchObject({ room_id: 'lobby', content: 'hello everyone' });
    expect(carolMessages.map((m) => m.content)).toEqual(['hello everyone']);
  });

  it('subscribe returns members and recent messages; history, edit and delete reach the room', async () => {
    const server = await startE2EServer();
    const alice = await readyClient(server, 'alice', { rooms: ['room-1'] });
    const bob = await readyClient(server, 'bob', { rooms: ['room-1'] });
    const sent = [];
    for (const content of ['one', 'two', 'three']) sent.push(await alice.sendMessage('room-1', content));

    const dave = await readyClient(server, 'dave');
    const reply = await dave.subscribe('room-1');
    expect(reply.refused).toEqual([]);
    expect(reply.rooms).toHaveLength(1);
    const [room] = reply.rooms;
    expect(room?.room_id).toBe('room-1');
    expect(room?.members.map((member) => member.user_id).sort()).toEqual(['alice', 'bob', 'dave']);
    expect(room?.recent_messages.map((m) => [m.content, m.message_id])).toEqual(
      sent.map((ack, i) => [['one', 'two', 'three'][i], ack.message_id]),
    );
    expect(
      dave.presence
        .inRoom('room-1')
        .map((member) => member.user_id)
        .sort(),
    ).toEqual(['alice', 'bob', 'dave']);

    const history = await dave.history('room-1');
    expect(history.room_id).toBe('room-1');
    expect(history.messages.map((m) => m.content)).toEqual(['one', 'two', 'three']);
    expect((await dave.history('room-1', 2)).messages.map((m) => m.content)).toEqual(['two', 'three']);

    const [first, second] = sent.map((ack) => ack.message_id);
    if (first === undefined || second === undefined) throw new Error('three messages were sent');
    const updated = nextEvent(bob, 'chat.message.update');
    expect(await alice.editMessage('room-1', first, 'one, edited')).toEqual({ message_id: first });
    expect(await updated).toMatchObject({ message_id: first, room_id: 'room-1', content: 'one, edited' });

    const deleted = nextEvent(dave, 'chat.message.delete');
    expect(await alice.deleteMessage('room-1', second)).toEqual({ message_id: second });
    expect(await deleted).toMatchObject({ message_id: second, room_id: 'room-1' });

    const forbidden = await bob.deleteMessage('room-1', first).catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(GatewayClientError);
    expect(forbidden).toMatchObject({ code: 'forbidden' });
    const unknown = await alice.editMessage('room-1', 'no-such-message', 'x').catch((error: unknown) => error);
    expect(unknown).toMatchObject({ code: 'not_found' });

    const after = await bob.history('room-1');
    expect(after.messages.map((m) => [m.content, m.edited_at !== undefined])).toEqual([
      ['one, edited', true],
      ['three', false],
    ]);
  });

  it('the authorize hook refuses a room: subscribe rejects with subscribe_refused, identify leaves it out', async () => {
    const asked: string[] = [];
    const server = await startE2EServer({
      authorize: async ({ user, room_id }) => {
        asked.push(`${user.id}:${room_id}`);
        return room_id.startsWith('secret-') ? { allowed: false, reason: 'Members only.' } : true;
      },
    });
    const alice = await readyClient(server, 'alice', { rooms: ['open', 'secret-identify'] });
    expect((await alice.ready()).subscriptions).toEqual(['open']);

    const refusal = await alice.subscribe(['open-2', 'secret-1']).catch((error: GatewayClientError) => error);
    expect(refusal).toMatchObject({ name: 'GatewayClientError', code: 'subscribe_refused' });
    // The room granted stays subscribed; the refusal names the room and the hook's reason.
    const { rooms, refused } = (refusal as GatewayClientError).details as ServerPayloads['subscribed'];
    expect(rooms.map((room) => room.room_id)).toEqual(['open-2']);
    expect(refused).toEqual([{ room_id: 'secret-1', code: 'forbidden', message: 'Members only.' }]);
    expect(asked).toEqual(['alice:open', 'alice:secret-identify', 'alice:open-2', 'alice:secret-1']);

    const notSubscribed = await alice.sendMessage('secret-1', 'let me in').catch((error: unknown) => error);
    expect(notSubscribed).toMatchObject({ code: 'not_subscribed' });
    await barrier(alice);
    expect(server.gateway.room('secret-1').connection_count).toBe(0);
    expect(server.gateway.room('open-2').online_users).toEqual(['alice']);
  });

  it('subscribe then unsubscribe without waiting leaves the room, on the server and after a reconnect', async () => {
    const serverClock = new ManualClock();
    const server = await startE2EServer({ clock: serverClock, heartbeatIntervalMs: 1_000, heartbeatGraceMs: 500 });
    const clientClock = new ManualClock();
    const alice = await readyClient(server, 'alice', {
      rooms: ['lobby'],
      clock: clientClock,
      random: () => 0,
      reconnect: { minDelayMs: 100, maxDelayMs: 1_000 },
    });

    const [subscribed, unsubscribed] = await Promise.all([alice.subscribe('room-1'), alice.unsubscribe('room-1')]);
    expect(subscribed.rooms.map((room) => room.room_id)).toEqual(['room-1']);
    expect(unsubscribed.room_ids).toEqual(['room-1']);
    expect(server.gateway.room('room-1').connection_count).toBe(0);
    expect(server.gateway.room('lobby').connection_count).toBe(1);

    // The server drops the connection (no answer within 1.5 intervals + grace of its clock). Since issue 3
    // the session outlives it: the client resumes, and the session is still in the rooms it was in, lobby only.
    const reconnecting = nextEvent(alice, 'reconnecting');
    serverClock.advance(2_000);
    expect(await reconnecting).toEqual({ attempt: 0, delay_ms: 100 });
    const resumed = nextEvent(alice, 'resumed');
    clientClock.advance(100);
    expect(await resumed).toMatchObject({ replayed: 0 });
    expect(server.gateway.room('lobby').connection_count).toBe(1);
    expect(server.gateway.room('room-1').connection_count).toBe(0);
  });
});

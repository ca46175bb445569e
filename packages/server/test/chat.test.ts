import type { ChatMessage } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

describe('chat', () => {
  it('delivers to the room only, acks accepted first, echoes client_msg_id and trusts only the session user', async () => {
    const t = await startTestServer();
    const alice = await t.joinRooms('alice', ['room-1']);
    const bob = await t.joinRooms('bob', ['room-1']);
    const carol = await t.joinRooms('carol', ['room-2']);
    alice.send({
      type: 'chat.send',
      ref: 'r1',
      payload: { room_id: 'room-1', client_msg_id: 'c-1', content: 'hi', sender_id: 'mallory', sender_name: 'M' },
    });
    const ack = await alice.next('ack');
    expect(ack).toEqual({
      type: 'ack',
      ref: 'r1',
      payload: { status: 'accepted', message_id: expect.any(String), client_msg_id: 'c-1', room_id: 'room-1' },
    });
    const forBob = await bob.next('chat.message');
    const forAlice = await alice.next('chat.message');
    expect(forBob.payload).toEqual(forAlice.payload);
    expect(forBob.payload).toMatchObject({
      message_id: ack.payload.message_id,
      room_id: 'room-1',
      sender_id: 'alice',
      sender_name: 'alice',
      client_msg_id: 'c-1',
      kind: 'text',
      content: 'hi',
    });
    await carol.barrier();
    expect(carol.all('chat.message')).toHaveLength(0);
  });

  it('refuses sends to a room the connection is not in', async () => {
    const t = await startTestServer();
    const alice = await t.joinRooms('alice', ['room-1']);
    alice.send({ type: 'chat.send', ref: 'x', payload: { room_id: 'room-9', client_msg_id: 'c', content: 'hi' } });
    expect(await alice.reply('x')).toMatchObject({ type: 'error', payload: { code: 'not_subscribed' } });
  });

  it('repeats the original ack with duplicate:true for a repeated client_msg_id and delivers once', async () => {
    const t = await startTestServer();
    const alice = await t.joinRooms('alice', ['room-1']);
    const bob = await t.joinRooms('bob', ['room-1']);
    const send = { type: 'chat.send', payload: { room_id: 'room-1', client_msg_id: 'same', content: 'once' } };
    alice.send({ ...send, ref: 'a' });
    const first = await alice.next('ack');
    await bob.next('chat.message');
    alice.send({ ...send, ref: 'b' });
    const second = await alice.next('ack');
    expect(second).toEqual({ type: 'ack', ref: 'b', payload: { ...first.payload, duplicate: true } });
    await bob.barrier();
    expect(bob.all('chat.message')).toHaveLength(1);
  });

  it('acks before persistMessage resolves and dispatches only after it', async () => {
    let release: () => void = () => {};
    const stored: ChatMessage[] = [];
    const t = await startTestServer({
      persistMessage: (message) =>
        new Promise<void>((resolve) => {
          stored.push(message);
          release = resolve;
        }),
    });
    const alice = await t.joinRooms('alice', ['room-1']);
    const bob = await t.joinRooms('bob', ['room-1']);
    alice.send({ type: 'chat.send', ref: 'r', payload: { room_id: 'room-1', client_msg_id: 'c', content: 'slow' } });
    await alice.next('ack');
    await bob.barrier();
    expect(stored).toHaveLength(1);
    expect(bob.all('chat.message')).toHaveLength(0);
    release();
    expect((await bob.next('chat.message')).payload.message_id).toBe(stored[0]?.message_id);
  });

  it('sends handler_failed to the sender and nothing to the room when persistMessage rejects', async () => {
    const t = await startTestServer({ persistMessage: () => Promise.reject(new Error('db down')) });
    const alice = await t.joinRooms('alice', ['room-1']);
    const bob = await t.joinRooms('bob', ['room-1']);
    alice.send({ type: 'chat.send', ref: 'r', payload: { room_id: 'room-1', client_msg_id: 'c', content: 'lost' } });
    const ack = await alice.next('ack');
    const error = await alice.next('error');
    expect(error.payload).toMatchObject({
      code: 'handler_failed',
      details: { client_msg_id: 'c', message_id: ack.payload.message_id },
    });
    await bob.barrier();
    await alice.barrier();
    expect(bob.all('chat.message')).toHaveLength(0);
    expect(alice.all('chat.message')).toHaveLength(0);
  });

  it('lets the sender edit and delete, forbids others, and reports unknown ids', async () => {
    const t = await startTestServer();
    const alice = await t.joinRooms('alice', ['room-1']);
    const bob = await t.joinRooms('bob', ['room-1']);
    alice.send({ type: 'chat.send', payload: { room_id: 'room-1', client_msg_id: 'c', content: 'frist' } });
    const { message_id } = (await bob.next('chat.message')).payload;

    bob.send({ type: 'chat.edit', ref: 'e1', payload: { room_id: 'room-1', message_id, content: 'hacked' } });
    expect(await bob.reply('e1')).toMatchObject({ type: 'error', payload: { code: 'forbidden' } });
    bob.send({ type: 'chat.delete', ref: 'd1', payload: { room_id: 'room-1', message_id } });
    expect(await bob.reply('d1')).toMatchObject({ type: 'error', payload: { code: 'forbidden' } });
    alice.send({ type: 'chat.edit', ref: 'e2', payload: { room_id: 'room-1', message_id: 'nope', content: 'x' } });
    expect(await alice.reply('e2')).toMatchObject({ type: 'error', payload: { code: 'not_found' } });

    alice.send({ type: 'chat.edit', ref: 'e3', payload: { room_id: 'room-1', message_id, content: 'first' } });
    expect(await alice.reply('e3')).toMatchObject({ type: 'ack', payload: { message_id } });
    const update = await bob.next('chat.message.update');
    expect(update.payload).toEqual({ message_id, room_id: 'room-1', content: 'first', edited_at: expect.any(String) });
    alice.send({ type: 'chat.history', ref: 'h', payload: { room_id: 'room-1' } });
    expect((await alice.reply('h')).payload.messages[0]).toMatchObject({
      content: 'first',
      edited_at: expect.any(String),
    });

    alice.send({ type: 'chat.delete', ref: 'd2', payload: { room_id: 'room-1', message_id } });
    expect(await alice.reply('d2')).toMatchObject({ type: 'ack', payload: { message_id } });
    expect((await bob.next('chat.message.delete')).payload).toEqual({ message_id, room_id: 'room-1' });
    alice.send({ type: 'chat.history', ref: 'h2', payload: { room_id: 'room-1' } });
    expect((await alice.reply('h2')).payload.messages).toEqual([]);
  });

  it('returns the last 50 of 60 messages, oldest first, and honours limit', async () => {
    const t = await startTestServer();
    const alice = await t.joinRooms('alice', ['room-1']);
    for (let i = 1; i <= 60; i++) {
      alice.send({ type: 'chat.send', payload: { room_id: 'room-1', client_msg_id: `c${i}`, content: `m${i}` } });
    }
    for (let i = 1; i <= 60; i++) await alice.next('chat.message');
    alice.send({ type: 'chat.history', ref: 'h', payload: { room_id: 'room-1' } });
    const history = (await alice.reply('h')).payload;
    expect(history.room_id).toBe('room-1');
    expect(history.messages.map((m: ChatMessage) => m.content)).toEqual(
      Array.from({ length: 50 }, (_, i) => `m${i + 11}`),
    );
    alice.send({ type: 'chat.history', ref: 'h2', payload: { room_id: 'room-1', limit: 3 } });
    expect((await alice.reply('h2')).payload.messages.map((m: ChatMessage) => m.content)).toEqual([
      'm58',
      'm59',
      'm60',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { startTestServer } from './helpers/server';

describe('typing', () => {
  it('reaches others, not the sender nor its other device, carries no seq and expires after 10 s', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ clock, heartbeatIntervalMs: 3_600_000 });
    const alice = await t.joinRooms('alice', ['room-1'], { device_id: 'laptop' });
    const alicePhone = await t.joinRooms('alice', ['room-1'], { device_id: 'phone' });
    const bob = await t.joinRooms('bob', ['room-1']);
    alice.send({ type: 'typing.start', payload: { room_id: 'room-1' } });
    const start = await bob.next('typing.start');
    expect(start).toEqual({
      type: 'typing.start',
      payload: { room_id: 'room-1', user_id: 'alice', display_name: 'alice', expires_in_ms: 10_000 },
    });
    await alice.barrier();
    await alicePhone.barrier();
    expect(alice.all('typing.start')).toHaveLength(0);
    expect(alicePhone.all('typing.start')).toHaveLength(0);

    clock.advance(9_999);
    await bob.barrier();
    expect(bob.all('typing.stop')).toHaveLength(0);
    clock.advance(1); // 10 s after the start
    expect(await bob.next('typing.stop')).toEqual({
      type: 'typing.stop',
      payload: { room_id: 'room-1', user_id: 'alice' },
    });
    await alicePhone.barrier();
    expect(alicePhone.all('typing.stop')).toHaveLength(0);
  });

  it('renewal pushes the expiry back and fans out at most once per 2 s', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ clock, heartbeatIntervalMs: 3_600_000 });
    const alice = await t.joinRooms('alice', ['room-1']);
    const bob = await t.joinRooms('bob', ['room-1']);
    alice.send({ type: 'typing.start', payload: { room_id: 'room-1' } });
    await bob.next('typing.start');
    clock.advance(1_000);
    alice.send({ type: 'typing.start', payload: { room_id: 'room-1' } }); // renewal at t=1000, within the throttle
    await alice.barrier();
    clock.advance(9_500); // t=10500: the first start would have expired, the renewal has not
    await bob.barrier();
    expect(bob.all('typing.start')).toHaveLength(1);
    expect(bob.all('typing.stop')).toHaveLength(0);
    alice.send({ type: 'typing.start', payload: { room_id: 'room-1' } }); // t=10500: past the throttle, fans out
    await bob.next('typing.start');
  });

  it('stops on typing.stop and on a chat send, and answers not_subscribed outside the room', async () => {
    const t = await startTestServer();
    const alice = await t.joinRooms('alice', ['room-1']);
    const bob = await t.joinRooms('bob', ['room-1']);
    alice.send({ type: 'typing.start', payload: { room_id: 'room-1' } });
    await bob.next('typing.start');
    alice.send({ type: 'typing.stop', payload: { room_id: 'room-1' } });
    await bob.next('typing.stop');
    alice.send({ type: 'typing.start', payload: { room_id: 'room-1' } });
    alice.send({ type: 'chat.send', payload: { room_id: 'room-1', client_msg_id: 'c', content: 'done' } });
    await bob.next('typing.stop');
    const message = await bob.next('chat.message');
    expect(bob.frames.indexOf(message)).toBeGreaterThan(bob.frames.findLastIndex((f) => f.type === 'typing.stop'));
    alice.send({ type: 'typing.start', ref: 't', payload: { room_id: 'elsewhere' } });
    expect(await alice.reply('t')).toMatchObject({ type: 'error', payload: { code: 'not_subscribed' } });
  });
});

import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

describe('presence', () => {
  it('joins once for two devices, updates on the second, leaves only when both are gone', async () => {
    const t = await startTestServer();
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: laptop } = await t.join({ user_id: 'ann', device_id: 'laptop', device_type: 'desktop' });
    const join = await watcher.next('presence.join');
    expect(join.payload).toEqual({
      presence: {
        user_id: 'ann',
        status: 'online',
        devices: [{ device_id: 'laptop', device_type: 'desktop', status: 'online' }],
        updated_at: expect.any(String),
      },
    });
    expect(join.seq).toBeTypeOf('number');

    const { client: phone, ready } = await t.join({
      user_id: 'ann',
      device_id: 'phone',
      device_type: 'mobile',
      presence: { status: 'idle' },
    });
    expect(ready.payload.presence.map((p: { user_id: string }) => p.user_id).sort()).toEqual(['ann', 'watcher']);
    const update = await watcher.next('presence.update');
    expect(update.payload.presence.status).toBe('online');
    expect(update.payload.presence.devices).toHaveLength(2);
    await laptop.barrier();
    expect(laptop.all('presence.update')).toHaveLength(0); // the user's own devices are not told

    laptop.close();
    const afterLaptop = await watcher.next('presence.update');
    expect(afterLaptop.payload.presence).toMatchObject({ status: 'idle', devices: [{ device_id: 'phone' }] });
    phone.close();
    expect((await watcher.next('presence.leave')).payload).toEqual({ user_id: 'ann' });
    expect(watcher.all('presence.join')).toHaveLength(1);
    expect(t.server.gateway.presence().map((p) => p.user_id)).toEqual(['watcher']);
  });

  it('aggregates status over devices and treats invisible as offline to others', async () => {
    const t = await startTestServer();
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: ann } = await t.join({ user_id: 'ann', presence: { status: 'dnd' } });
    expect((await watcher.next('presence.join')).payload.presence.status).toBe('dnd');
    ann.send({ type: 'presence.update', ref: 'p', payload: { status: 'invisible' } });
    expect(await ann.reply('p')).toEqual({ type: 'ack', ref: 'p', payload: {} });
    expect((await watcher.next('presence.leave')).payload).toEqual({ user_id: 'ann' });
    ann.send({ type: 'presence.update', payload: { status: 'idle', data: { activity: 'reading' } } });
    expect((await watcher.next('presence.join')).payload.presence).toMatchObject({
      status: 'idle',
      data: { activity: 'reading' },
    });
  });

  it('sends room-scoped presence.join/leave with room_id to the room members', async () => {
    const t = await startTestServer();
    const host = await t.joinRooms('host', ['session-abc']);
    const guest = await t.joinRooms('guest', ['session-abc']);
    const join = await host.next('presence.join', 2000);
    // The global join has no room_id; the room one names the room.
    const roomJoin = join.payload.room_id === undefined ? await host.next('presence.join') : join;
    expect(roomJoin.payload).toMatchObject({ room_id: 'session-abc', presence: { user_id: 'guest' } });
    guest.send({ type: 'unsubscribe', ref: 'u', payload: { room_ids: ['session-abc'] } });
    expect(await guest.reply('u')).toEqual({ type: 'unsubscribed', ref: 'u', payload: { room_ids: ['session-abc'] } });
    expect((await host.next('presence.leave')).payload).toEqual({ room_id: 'session-abc', user_id: 'guest' });
    expect(t.server.gateway.presence('session-abc').map((p) => p.user_id)).toEqual(['host']);
  });

  it('with global presence off, ready lists only users sharing a room and no global join is sent', async () => {
    const t = await startTestServer({ globalPresence: false });
    const { client: loner } = await t.join({ user_id: 'loner' });
    await t.joinRooms('a', ['r']);
    const { ready } = await t.join({ user_id: 'b', subscriptions: ['r'] });
    expect(ready.payload.presence.map((p: { user_id: string }) => p.user_id).sort()).toEqual(['a', 'b']);
    await loner.barrier();
    expect(loner.all('presence.join')).toHaveLength(0);
  });
});

import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

describe('presence', () => {
  it('joins once for two devices, updates on the second, leaves only when both are gone', async () => {
    const t = await startTestServer();
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: laptop } = await t.join({ user_id: 'ann', device_id: 'laptop', device_type: 'desktop' });
    const join = await watcher.nextChange('joined', 'ann');
    expect(join.frame.payload).toEqual({
      joined: [
        {
          user_id: 'ann',
          status: 'online',
          devices: [{ device_id: 'laptop', device_type: 'desktop', status: 'online' }],
          updated_at: expect.any(String),
        },
      ],
      count: 2,
    });
    expect(join.frame.seq).toBeTypeOf('number');

    const { client: phone, ready } = await t.join({
      user_id: 'ann',
      device_id: 'phone',
      device_type: 'mobile',
      presence: { status: 'idle' },
    });
    expect(ready.payload.presence.map((p: { user_id: string }) => p.user_id).sort()).toEqual(['ann', 'watcher']);
    const update = await watcher.nextChange('updated', 'ann');
    expect(update.entry.status).toBe('online');
    expect(update.entry.devices).toHaveLength(2);
    // Still one user online to others: the second device is an update, and the count stays.
    expect(update.frame.payload.count).toBe(2);
    // No exclusion: the user's other device hears of the new one in the same diff.
    const own = await laptop.nextChange('updated', 'ann');
    expect(own.entry.devices.map((d: { device_id: string }) => d.device_id).sort()).toEqual(['laptop', 'phone']);

    laptop.close();
    const afterLaptop = await watcher.nextChange('updated', 'ann');
    expect(afterLaptop.entry).toMatchObject({ status: 'idle', devices: [{ device_id: 'phone' }] });
    expect(afterLaptop.entry.devices).toHaveLength(1);
    phone.close();
    const leave = await watcher.nextChange('left', 'ann');
    expect(leave.frame.payload).toEqual({ left: ['ann'], count: 1 });
    expect(watcher.changes().filter((change) => change.userId === 'ann' && change.kind === 'joined')).toHaveLength(1);
    expect(t.server.gateway.presence().map((p) => p.user_id)).toEqual(['watcher']);
  });

  it('aggregates status over devices and treats invisible as offline to others', async () => {
    const t = await startTestServer();
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: ann } = await t.join({ user_id: 'ann', presence: { status: 'dnd' } });
    expect((await watcher.nextChange('joined', 'ann')).entry.status).toBe('dnd');
    ann.send({ type: 'presence.update', ref: 'p', payload: { status: 'invisible' } });
    expect(await ann.reply('p')).toEqual({ type: 'ack', ref: 'p', payload: {} });
    // Invisible is gone to others: a leave, and one user fewer.
    expect((await watcher.nextChange('left', 'ann')).frame.payload).toEqual({ left: ['ann'], count: 1 });
    ann.send({ type: 'presence.update', payload: { status: 'idle', data: { activity: 'reading' } } });
    const back = await watcher.nextChange('joined', 'ann');
    expect(back.entry).toMatchObject({ status: 'idle', data: { activity: 'reading' } });
    expect(back.frame.payload.count).toBe(2);
  });

  it('sends room-scoped diffs with room_id to the room members', async () => {
    const t = await startTestServer();
    const host = await t.joinRooms('host', ['session-abc']);
    const guest = await t.joinRooms('guest', ['session-abc']);
    // The global join has no room_id; the room one names the room and counts its members.
    expect((await host.nextChange('joined', 'guest')).frame.payload.room_id).toBeUndefined();
    const roomJoin = await host.nextChange('joined', 'guest', 'session-abc');
    expect(roomJoin.entry).toMatchObject({ user_id: 'guest', display_name: 'guest' });
    expect(roomJoin.frame.payload).toMatchObject({ room_id: 'session-abc', count: 2 });
    guest.send({ type: 'unsubscribe', ref: 'u', payload: { room_ids: ['session-abc'] } });
    expect(await guest.reply('u')).toEqual({ type: 'unsubscribed', ref: 'u', payload: { room_ids: ['session-abc'] } });
    const roomLeave = await host.nextChange('left', 'guest', 'session-abc');
    expect(roomLeave.frame.payload).toEqual({ room_id: 'session-abc', left: ['guest'], count: 1 });
    // Still online: leaving a room is no leave from everyone.
    expect(host.changes().filter((change) => change.kind === 'left' && change.roomId === undefined)).toEqual([]);
    expect(t.server.gateway.presence('session-abc').map((p) => p.user_id)).toEqual(['host']);
  });

  it('with global presence off, ready lists no one globally, its rooms their members, and no global diff is sent', async () => {
    const t = await startTestServer({ globalPresence: false });
    const { client: loner } = await t.join({ user_id: 'loner' });
    const a = await t.joinRooms('a', ['r']);
    const { ready } = await t.join({ user_id: 'b', subscriptions: ['r'] });
    expect(ready.payload.presence).toEqual([]);
    expect(ready.payload.presence_total).toBeUndefined();
    expect(ready.payload.rooms).toHaveLength(1);
    expect(ready.payload.rooms[0]).toMatchObject({ room_id: 'r', member_count: 2 });
    expect(ready.payload.rooms[0].members.map((p: { user_id: string }) => p.user_id)).toEqual(['a', 'b']);
    // The room hears of b (its members do), and only the room: b's coming online is no one else's news.
    const join = await a.nextChange('joined', 'b', 'r');
    expect(join.frame.payload.count).toBe(2);
    await Promise.all([a.barrier(), loner.barrier()]);
    expect(a.changes().filter((change) => change.roomId === undefined)).toEqual([]);
    expect(loner.all('presence.diff')).toEqual([]);
  });
});

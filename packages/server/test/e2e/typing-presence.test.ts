import { describe, expect, it } from 'vitest';
import { barrier, ManualClock, nextEvent, readyClient, record, startE2EServer, until } from './helpers';

describe('e2e: typing', () => {
  it('startTyping reaches the other client, not the sender, and the server expires it after 10 s', async () => {
    const serverClock = new ManualClock();
    const server = await startE2EServer({ clock: serverClock });
    // The clients' clocks stand still: only the server's expiry can end the typing here.
    const alice = await readyClient(server, 'alice', { rooms: ['room-1'], clock: new ManualClock() });
    const bob = await readyClient(server, 'bob', { rooms: ['room-1'], clock: new ManualClock() });
    const aliceTyping = record(alice, 'typing');
    const bobTyping = record(bob, 'typing');

    alice.startTyping('room-1');
    await until(bob, 'typing', () => bob.typing.inRoom('room-1').includes('alice'));
    expect(bobTyping).toEqual([{ room_id: 'room-1', user_ids: ['alice'] }]);
    await barrier(alice);
    expect(alice.typing.inRoom('room-1')).toEqual([]);
    expect(aliceTyping).toEqual([]);

    serverClock.advance(9_999);
    await barrier(bob);
    expect(bob.typing.inRoom('room-1')).toEqual(['alice']);
    const stopped = nextEvent(bob, 'typing.stop');
    serverClock.advance(1);
    expect(await stopped).toEqual({ room_id: 'room-1', user_id: 'alice' });
    expect(bob.typing.inRoom('room-1')).toEqual([]);
    expect(bobTyping).toEqual([
      { room_id: 'room-1', user_ids: ['alice'] },
      { room_id: 'room-1', user_ids: [] },
    ]);
    await barrier(alice);
    expect(aliceTyping).toEqual([]);
  });

  it("the client's typing view expires on its own clock when the stop never comes", async () => {
    // The server's clock stands still, so it never sends typing.stop.
    const server = await startE2EServer({ clock: new ManualClock() });
    const bobClock = new ManualClock();
    const alice = await readyClient(server, 'alice', { rooms: ['room-1'], clock: new ManualClock() });
    const bob = await readyClient(server, 'bob', { rooms: ['room-1'], clock: bobClock });
    const bobTyping = record(bob, 'typing');

    alice.startTyping('room-1');
    const start = await nextEvent(bob, 'typing.start');
    expect(start).toEqual({ room_id: 'room-1', user_id: 'alice', display_name: 'alice', expires_in_ms: 10_000 });
    bobClock.advance(9_999);
    expect(bob.typing.inRoom('room-1')).toEqual(['alice']);
    bobClock.advance(1);
    expect(bob.typing.inRoom('room-1')).toEqual([]);
    expect(bobTyping).toEqual([
      { room_id: 'room-1', user_ids: ['alice'] },
      { room_id: 'room-1', user_ids: [] },
    ]);
  });
});

describe('e2e: presence', () => {
  it("two devices of one user are one user with two devices in a third client's view, until both leave", async () => {
    const server = await startE2EServer();
    const carol = await readyClient(server, 'carol');
    const diffs = record(carol, 'presence.diff');
    const leftUsers = () => diffs.flatMap((diff) => diff.left ?? []);
    const laptop = await readyClient(server, 'alice', { deviceId: 'laptop', deviceType: 'desktop' });
    const phone = await readyClient(server, 'alice', { deviceId: 'phone', deviceType: 'mobile' });

    await until(carol, 'presence', () => carol.presence.get('alice')?.devices.length === 2);
    const alice = carol.presence.get('alice');
    expect(alice?.status).toBe('online');
    expect(alice?.devices.map((device) => [device.device_id, device.device_type]).sort()).toEqual([
      ['laptop', 'desktop'],
      ['phone', 'mobile'],
    ]);
    expect(
      carol.presence
        .list()
        .map((entry) => entry.user_id)
        .sort(),
    ).toEqual(['alice', 'carol']);

    laptop.close();
    await until(carol, 'presence', () => carol.presence.get('alice')?.devices.length === 1);
    expect(carol.presence.get('alice')).toMatchObject({
      status: 'online',
      devices: [{ device_id: 'phone', device_type: 'mobile', status: 'online' }],
    });
    expect(leftUsers()).toEqual([]);

    phone.close();
    await until(carol, 'presence', () => carol.presence.get('alice') === undefined);
    expect(leftUsers()).toEqual(['alice']);
    expect(carol.presence.list().map((entry) => entry.user_id)).toEqual(['carol']);
  });

  it("setPresence('idle') updates the other client's view", async () => {
    const server = await startE2EServer();
    const alice = await readyClient(server, 'alice');
    const bob = await readyClient(server, 'bob');
    await until(alice, 'presence', () => alice.presence.get('bob')?.status === 'online');

    const update = nextEvent(
      alice,
      'presence.diff',
      (p) => p.updated?.some((entry) => entry.user_id === 'bob') === true,
    );
    await bob.setPresence('idle', { activity: 'lunch' });
    expect((await update).updated).toEqual([
      expect.objectContaining({ user_id: 'bob', status: 'idle', data: { activity: 'lunch' } }),
    ]);
    expect(alice.presence.get('bob')).toMatchObject({
      status: 'idle',
      data: { activity: 'lunch' },
      devices: [{ status: 'idle' }],
    });
    expect(server.gateway.presence().find((entry) => entry.user_id === 'bob')?.status).toBe('idle');
  });
});

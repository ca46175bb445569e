import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './helpers/server';

// The ws transport corks each socket at its first frame of a tick and uncorks it on the next tick, and
// writes fanned-out frames as a per-session header plus a body shared by every recipient.

const quiet = { heartbeatIntervalMs: 3_600_000 };
const EDITED = '2025-01-01T00:00:00.000Z';
const update = (id: string, content = 'c') => ({ room_id: 'r', message_id: id, content, edited_at: EDITED });
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('coalesced writes', () => {
  it('keeps every frame in order, within a tick and across ticks', async () => {
    const t = await startTestServer(quiet);
    const client = await t.joinRooms('a', ['r']);
    const { gateway } = t.server;
    let n = 0;
    for (let tick = 0; tick < 5; tick++) {
      for (let i = 0; i < 40; i++) gateway.broadcast('chat.message.update', update(`m${n++}`), { room: 'r' });
      // An unsequenced frame shared by the room, between the dispatches.
      gateway.broadcast('typing.start', { room_id: 'r', user_id: `u${tick}`, expires_in_ms: 10_000 }, { room: 'r' });
      await nextTick();
    }
    await client.barrier();
    const updates = client.all('chat.message.update');
    expect(updates.map((frame) => frame.payload.message_id)).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
    const first = updates[0]?.seq ?? 0;
    expect(updates.map((frame) => frame.seq)).toEqual(updates.map((_, i) => first + i));
    const order = client.frames.filter(
      (frame) => frame.type === 'typing.start' || frame.type === 'chat.message.update',
    );
    expect(order.filter((_, i) => i % 41 === 40).map((frame) => frame.payload.user_id)).toEqual([
      'u0',
      'u1',
      'u2',
      'u3',
      'u4',
    ]);
  });

  it('writes frames of every header size intact (short, 16-bit and 64-bit lengths)', async () => {
    const t = await startTestServer(quiet);
    const client = await t.joinRooms('a', ['r']);
    const sizes = [1, 60, 125, 126, 1_000, 65_535, 65_536, 70_000];
    for (const size of sizes)
      t.server.gateway.broadcast('chat.message.update', update(`s${size}`, 'é'.repeat(size)), { room: 'r' });
    await expect.poll(() => client.all('chat.message.update').length).toBe(sizes.length);
    expect(client.all('chat.message.update').map((frame) => frame.payload.content.length)).toEqual(sizes);
  });

  it("does not take one tick's burst, larger than maxBufferedBytes, for a slow reader", async () => {
    const maxBufferedBytes = 64 * 1024;
    const t = await startTestServer({ ...quiet, maxBufferedBytes });
    const client = await t.joinRooms('a', ['r']);
    const count = 100;
    // About 110 KB in one tick: all of it sits in the cork until the tick ends.
    for (let i = 0; i < count; i++) {
      t.server.gateway.broadcast('chat.message.update', update(`m${i}`, 'y'.repeat(1000)), { room: 'r' });
    }
    await expect.poll(() => client.all('chat.message.update').length).toBe(count);
    await client.barrier();
    expect(client.all('goodbye')).toEqual([]);
    expect(t.server.gateway.stats()).toMatchObject({ sessions_attached: 1 });
  });

  it('sends the rest of a tick, then goodbye, when the connection is closed in the middle of the tick', async () => {
    const t = await startTestServer(quiet);
    const client = await t.joinRooms('a', ['r']);
    const { gateway } = t.server;
    for (let i = 0; i < 3; i++) gateway.broadcast('chat.message.update', update(`m${i}`), { room: 'r' });
    gateway.drain({ jitterMs: 0 });
    expect((await client.closed).code).toBe(4002);
    expect(client.frames.slice(-5).map((frame) => frame.type)).toEqual([
      'chat.message.update',
      'chat.message.update',
      'chat.message.update',
      'reconnect',
      'goodbye',
    ]);
  });

  it('still closes a reader that stopped reading, and a server with it corked in the middle of a tick stops', async () => {
    const maxBufferedBytes = 64 * 1024;
    const t = await startTestServer({ ...quiet, maxBufferedBytes });
    const client = await t.joinRooms('a', ['r']);
    const { gateway } = t.server;
    client.pauseReading();
    let sent = 0;
    while (gateway.stats().sessions_attached === 1 && sent < 20_000) {
      gateway.broadcast('chat.message.update', update(`m${sent++}`, 'z'.repeat(4000)), { room: 'r' });
      if (sent % 50 === 0) await nextTick();
    }
    expect(gateway.stats()).toMatchObject({ sessions_attached: 0, sessions_detached: 1 });
    client.resumeReading();
    expect((await client.closed).code).toBe(CloseCode.slow_consumer);
    // Corked by this tick's frame to the other member, then stopped at once.
    const other = await t.joinRooms('b', ['r']);
    gateway.broadcast('chat.message.update', update('last'), { room: 'r' });
    await t.server.close();
    expect((await other.closed).code).toBe(4002);
    expect(other.all('chat.message.update').map((frame) => frame.payload.message_id)).toEqual(['last']);
  });
});

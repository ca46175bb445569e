import { describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock';
import { request } from '../helpers/requests';
import { startTestServer } from '../helpers/server';
import type { TestClient } from '../helpers/ws-client';

const quiet = { heartbeatIntervalMs: 3_600_000 };

/** Counts the bytes of every frame the client receives from now on. */
function byteCounter(client: TestClient): { readonly bytes: number } {
  const counter = { bytes: 0 };
  client.ws.on('message', (data: Buffer) => {
    counter.bytes += data.length;
  });
  return counter;
}

describe('presence updates cost what the budgets say', () => {
  it('a presence.update flood hits the presence bucket: rate_limited past the burst, nothing fanned out', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    const { client: watcher } = await t.join({ user_id: 'watcher' });
    const { client: ann } = await t.join({ user_id: 'ann' });
    await watcher.nextChange('joined', 'ann');
    const replies = [];
    // Time stands still: the bucket holds its burst (10) and no more.
    for (let i = 0; i < 12; i++) {
      replies.push(await request(ann, 'presence.update', { status: i % 2 === 0 ? 'idle' : 'online' }));
    }
    expect(replies.slice(0, 10).every((reply) => reply.type === 'ack')).toBe(true);
    for (const reply of replies.slice(10)) {
      expect(reply.type).toBe('error');
      expect(reply.payload.code).toBe('rate_limited');
      expect(reply.payload.retry_after_ms).toBeGreaterThan(0);
    }
    await watcher.barrier();
    // One diff per accepted update (each came in a turn of its own), the last one accepted last: the two
    // refused (idle, online again) would have made two more.
    const updates = watcher.changes().filter((change) => change.kind === 'updated' && change.userId === 'ann');
    expect(updates.map((change) => change.entry.status)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'idle' : 'online')),
    );
    expect(new Set(updates.map((change) => change.frame)).size).toBe(10);
  });

  it('200 updates of the largest data the server takes, to 99 listeners, stay within a byte budget', async () => {
    // 99 listeners and the sender: 100 connections from 127.0.0.1.
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    const listeners: TestClient[] = [];
    for (let i = 0; i < 99; i++) listeners.push((await t.join({ user_id: `listener-${i}` })).client);
    const sender = await t.connect();
    const hello = sender.frames.find((frame) => frame.type === 'hello');
    // What the server takes: its announced cap, or (a server without one) all a frame leaves room for.
    const limits = hello?.payload.limits;
    const largest: number = limits.max_presence_data_bytes ?? limits.max_frame_bytes - 400;
    sender.send({ type: 'identify', payload: { user_id: 'sender' } });
    await sender.next('ready');
    for (const listener of listeners) await listener.barrier();
    const counters = listeners.map(byteCounter);

    for (let i = 0; i < 200; i++) {
      // Past the burst, one a second: the presence bucket's pace, so every update is taken.
      if (i >= 10) clock.advance(1000);
      const data = { n: i, pad: 'x'.repeat(largest - 24) };
      const reply = await request(sender, 'presence.update', { status: i % 2 === 0 ? 'idle' : 'online', data });
      expect(reply.type).toBe('ack');
    }
    for (const listener of listeners) await listener.barrier();
    const received = counters.reduce((sum, counter) => sum + counter.bytes, 0);
    const heartbeats =
      listeners.length * JSON.stringify({ type: 'heartbeat_ack', payload: {}, ref: 'barrier-NN' }).length;

    // Each listener gets each update once: the data (at most its cap) and the entry around it (< 512 bytes).
    // Before the cap, the same 200 updates of 15 KB made 305 MB; now at most 200 × 99 × 2.5 KB ≈ 50 MB.
    const budget = 200 * listeners.length * (2048 + 512);
    expect(received - heartbeats).toBeLessThanOrEqual(budget);
    expect(received - heartbeats).toBeGreaterThan(200 * listeners.length * 2048 * 0.9);
  }, 60_000);
});

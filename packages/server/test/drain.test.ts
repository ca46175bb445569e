import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { InMemoryBackplane } from '../src/index';
import { ManualClock } from './helpers/manual-clock';
import { resume } from './helpers/resume';
import { startTestServer } from './helpers/server';

const quiet = { heartbeatIntervalMs: 3_600_000 };

describe('server-paced reconnect', () => {
  it('drain sends reconnect, then goodbye 4002, closes every connection and keeps the sessions', async () => {
    const t = await startTestServer({ ...quiet, clock: new ManualClock() });
    const { client: ann, ready } = await t.join({ user_id: 'ann', subscriptions: ['r'] });
    const { client: bob } = await t.join({ user_id: 'bob', subscriptions: ['r'] });
    const unidentified = await t.connect();

    t.server.gateway.drain({ afterMs: 250, jitterMs: 500, reason: 'deploy' });
    for (const client of [ann, bob, unidentified]) {
      const reconnect = await client.next('reconnect');
      const goodbye = await client.next('goodbye');
      expect(client.frames.indexOf(reconnect)).toBe(client.frames.indexOf(goodbye) - 1);
      expect(reconnect).toEqual({ type: 'reconnect', payload: { after_ms: 250, jitter_ms: 500, reason: 'deploy' } });
      expect(goodbye).toEqual({ type: 'goodbye', payload: { code: 4002, reason: 'deploy', resumable: true } });
      expect((await client.closed).code).toBe(CloseCode.going_away);
    }
    expect(t.server.gateway.stats()).toMatchObject({ connections: 0, sessions: 2, sessions_detached: 2 });
    expect(t.server.gateway.presence().map((entry) => entry.user_id)).toEqual(['ann', 'bob']);
    expect(t.server.gateway.room('r').online_users).toEqual(['ann', 'bob']);

    // The drained process still accepts connections: a client may resume right here.
    const { answer } = await resume(t, { session_id: ready.payload.session_id, seq: 0 });
    expect(answer.type).toBe('resumed');
  });

  it('stop sends reconnect and goodbye 4002, then ends every session so presence leaves everywhere', async () => {
    const backplane = new InMemoryBackplane();
    const stopping = await startTestServer({ ...quiet, backplane });
    const staying = await startTestServer({ ...quiet, backplane });
    const watcher = await staying.joinRooms('watcher', ['r']);
    const { client: ann } = await stopping.join({ user_id: 'ann', subscriptions: ['r'] });
    await watcher.nextChange('joined', 'ann');
    await watcher.nextChange('joined', 'ann', 'r');

    stopping.server.gateway.stop();
    const reconnect = await ann.next('reconnect');
    const goodbye = await ann.next('goodbye');
    expect(ann.frames.indexOf(reconnect)).toBe(ann.frames.indexOf(goodbye) - 1);
    expect(goodbye.payload).toMatchObject({ code: 4002, resumable: true });
    expect((await ann.closed).code).toBe(CloseCode.going_away);
    expect(stopping.server.gateway.stats()).toMatchObject({ connections: 0, sessions: 0 });
    expect(stopping.server.gateway.presence()).toEqual([]);

    const leaves = [await watcher.nextChange('left', 'ann'), await watcher.nextChange('left', 'ann', 'r')];
    expect(leaves.map((leave) => leave.frame.payload)).toEqual([
      { left: ['ann'], count: 1 },
      { room_id: 'r', left: ['ann'], count: 1 },
    ]);
    expect(staying.server.gateway.room('r').online_users).toEqual(['watcher']);
  });
});

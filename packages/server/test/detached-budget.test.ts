import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { dropConnection, resume } from './helpers/resume';
import { startTestServer } from './helpers/server';

const quiet = { heartbeatIntervalMs: 3_600_000 };

describe('detached sessions under a global budget', () => {
  it('ends the longest waiting sessions past maxDetachedSessions; they resume to invalid_session', async () => {
    const t = await startTestServer({ ...quiet, maxDetachedSessions: 3 });
    const sessions: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { client, ready } = await t.join({ user_id: `user-${i}` });
      sessions.push(ready.payload.session_id as string);
      await dropConnection(t, client);
    }
    const { budgets } = t.server.gateway.stats();
    expect(budgets.detached_sessions).toEqual({ used: 3, max: 3 });
    expect(budgets.evicted).toMatchObject({ detached_sessions: 2 });
    for (const [i, sessionId] of sessions.entries()) {
      const { answer } = await resume(t, { session_id: sessionId, seq: 0 });
      expect(answer.type).toBe(i < 2 ? 'invalid_session' : 'resumed');
    }
  });

  it('ends the longest waiting sessions once their replay bytes pass maxDetachedBytes (checked every second)', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock, maxDetachedBytes: 100_000 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { client, ready } = await t.join({ user_id: `user-${i}`, subscriptions: ['busy'] });
      ids.push(ready.payload.session_id as string);
      await dropConnection(t, client);
    }
    const speaker = await t.joinRooms('speaker', ['busy']);
    // Each detached session buffers every message of the room: 3 × 40 KB is past the 100 KB budget.
    for (let i = 0; i < 10; i++) {
      speaker.send({
        type: 'chat.send',
        ref: `s${i}`,
        payload: { room_id: 'busy', client_msg_id: `c${i}`, content: 'x'.repeat(4000) },
      });
    }
    await speaker.reply('s9');
    expect(t.server.gateway.stats().budgets.detached_sessions.used).toBe(3);
    clock.advance(1000);
    const { budgets } = t.server.gateway.stats();
    expect(budgets.detached_bytes.used).toBeLessThanOrEqual(100_000);
    expect(budgets.detached_sessions.used).toBe(2);
    const oldest = await resume(t, { session_id: ids[0] as string, seq: 0 });
    expect(oldest.answer.type).toBe('invalid_session');
    const newest = await resume(t, { session_id: ids[2] as string, seq: 0 });
    expect(newest.answer.type).toBe('resumed');
  });
});

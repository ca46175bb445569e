import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './helpers/manual-clock';
import { startTestServer } from './helpers/server';

// Interval 1000 ms, grace 500 ms: the server pings after 1000 ms of silence and gives up after 2000 ms.
const options = { heartbeatIntervalMs: 1000, heartbeatGraceMs: 500 };

describe('heartbeats', () => {
  it('answers a client heartbeat with heartbeat_ack at once, without seq', async () => {
    const t = await startTestServer();
    const { client } = await t.join({ user_id: 'a' });
    client.send({ type: 'heartbeat', payload: { last_seq: 0 } });
    const ack = await client.next('heartbeat_ack');
    expect(ack.seq).toBeUndefined();
    client.send({ type: 'heartbeat' }); // payload may be left out
    await client.next('heartbeat_ack');
  });

  it('sends heartbeat after an interval of silence and keeps a client that answers', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...options, clock });
    const { client } = await t.join({ user_id: 'a' });
    clock.advance(999); // t=999: not silent long enough
    await client.barrier(); // heard at t=999
    expect(client.all('heartbeat')).toHaveLength(0);
    clock.advance(1250); // t=2249: 1250 ms of silence, one ping
    await client.next('heartbeat');
    client.send({ type: 'heartbeat_ack' }); // answered: heard at t=2249
    await client.barrier();
    clock.advance(1750); // t=3999: 1750 ms of silence, past one interval but short of 2000
    await client.next('heartbeat');
    expect(client.all('goodbye')).toHaveLength(0);
  });

  it('closes a silent client with goodbye and 4001 after 1.5 intervals plus grace', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...options, clock });
    const { client } = await t.join({ user_id: 'a' });
    clock.advance(1750); // t=1750: pinged once
    await client.next('heartbeat');
    clock.advance(250); // t=2000: 1.5 × 1000 + 500 of silence
    const goodbye = await client.next('goodbye');
    expect(goodbye.payload).toEqual({ code: 4001, reason: expect.any(String), resumable: true });
    expect((await client.closed).code).toBe(CloseCode.heartbeat_timeout);
    expect(t.server.gateway.stats().connections).toBe(0);
  });

  it('uses one sweep timer, one identify-deadline timer and one staging-release timer however many connections there are', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...options, clock });
    await t.join({ user_id: 'a' });
    const withOne = clock.pending;
    await t.join({ user_id: 'b' });
    await t.join({ user_id: 'c' });
    expect(clock.pending).toBe(withOne);
    // The transport's staging arena watches for a quiet spell with one timer of its own while it keeps pages.
    expect(withOne).toBeLessThanOrEqual(3);
  });
});

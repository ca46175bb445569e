import { CloseCode } from '@gateway/protocol';
import { describe, expect, it } from 'vitest';
import { type Connection, createGateway } from '../src/index';
import { SLOW_CONSUMER_GRACE_MS } from '../src/transport/ws';
import { ManualClock } from './helpers/manual-clock';
import { resume } from './helpers/resume';
import { startTestServer } from './helpers/server';

const quiet = { heartbeatIntervalMs: 3_600_000 };
const MAX_BUFFERED = 64 * 1024;
const EDITED = '2025-01-01T00:00:00.000Z';
/** The presence diffs of the slow session's own arrival, before anything pushed. */
const OWN_ARRIVAL = 2;

describe('slow consumers', () => {
  it('closes a reader that stopped reading with 4003, keeps the session, and a resume loses nothing', async () => {
    const t = await startTestServer({
      ...quiet,
      clock: new ManualClock(),
      maxBufferedBytes: MAX_BUFFERED,
      replayBufferBytes: 64 * 1024 * 1024,
      replayBufferEvents: 100_000,
    });
    const { client: slow, ready } = await t.join({ user_id: 'slow', subscriptions: ['r'] });
    // Its own arrival (everyone, then room r) is seq 1 and 2: presence diffs reach the subject's sessions too.
    await slow.nextChange('joined', 'slow', 'r');
    const { gateway } = t.server;
    slow.pauseReading();

    // Push until the server gives up on the connection (its buffers past the cap), then a bit more while detached.
    const chunk = 'x'.repeat(4000);
    let pushed = 0;
    while (gateway.stats().sessions_attached === 1) {
      gateway.broadcast(
        'chat.message.update',
        { room_id: 'r', message_id: `m${pushed}`, content: chunk, edited_at: EDITED },
        { room: 'r' },
      );
      pushed++;
      if (pushed % 100 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (pushed > 50_000) throw new Error('the server never closed the slow consumer');
    }
    for (let i = 0; i < 10; i++) {
      gateway.broadcast(
        'chat.message.update',
        { room_id: 'r', message_id: `m${pushed}`, content: 'late', edited_at: EDITED },
        { room: 'r' },
      );
      pushed++;
    }
    expect(gateway.stats()).toMatchObject({ sessions: 1, sessions_detached: 1 });

    slow.resumeReading();
    expect((await slow.next('goodbye', 10_000)).payload).toMatchObject({ code: 4003, resumable: true });
    expect((await slow.closed).code).toBe(CloseCode.slow_consumer);
    const received = slow.frames.filter((frame) => frame.seq !== undefined);
    const last = received.at(-1)?.seq ?? 0;
    expect(received.map((frame) => frame.seq)).toEqual(received.map((_, i) => i + 1));
    expect(received.slice(0, OWN_ARRIVAL).map((frame) => frame.type)).toEqual(['presence.diff', 'presence.diff']);

    const { client, answer } = await resume(t, { session_id: ready.payload.session_id, seq: last });
    expect(answer.type).toBe('resumed');
    const replayed = client.frames.filter((frame) => frame.seq !== undefined);
    const ids = [...received.slice(OWN_ARRIVAL), ...replayed].map((frame) => frame.payload.message_id);
    expect(ids).toEqual(Array.from({ length: pushed }, (_, i) => `m${i}`));
  });

  it('with the default limits, cuts off a reader that stays stalled and its resume still loses nothing', async () => {
    const clock = new ManualClock();
    const t = await startTestServer({ ...quiet, clock });
    const { client: slow, ready } = await t.join({ user_id: 'slow', subscriptions: ['r'] });
    // Its own arrival (everyone, then room r) is seq 1 and 2: presence diffs reach the subject's sessions too.
    await slow.nextChange('joined', 'slow', 'r');
    const { gateway } = t.server;
    slow.pauseReading();

    // Chat-sized frames: a backlog of maxBufferedBytes is thousands of them, not a few hundred.
    const chunk = 'x'.repeat(300);
    let pushed = 0;
    const push = (content: string) => {
      gateway.broadcast(
        'chat.message.update',
        { room_id: 'r', message_id: `m${pushed}`, content, edited_at: EDITED },
        { room: 'r' },
      );
      pushed++;
    };
    while (gateway.stats().sessions_attached === 1) {
      push(chunk);
      if (pushed % 500 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (pushed > 500_000) throw new Error('the server never closed the slow consumer');
    }
    for (let i = 0; i < 10; i++) push('late');
    // Still stalled past the transport's grace: the server destroys the socket with its backlog unsent.
    clock.advance(SLOW_CONSUMER_GRACE_MS);
    slow.resumeReading();
    const closed = await slow.closed;
    expect(closed.code).toBe(1006);
    expect(slow.all('goodbye')).toEqual([]);
    const received = slow.frames.filter((frame) => frame.seq !== undefined);
    const last = received.at(-1)?.seq ?? 0;
    expect(received.map((frame) => frame.seq)).toEqual(received.map((_, i) => i + 1));
    expect(received.slice(0, OWN_ARRIVAL).map((frame) => frame.type)).toEqual(['presence.diff', 'presence.diff']);
    expect(received.length - OWN_ARRIVAL).toBeLessThan(pushed - 10);

    const { client, answer } = await resume(t, { session_id: ready.payload.session_id, seq: last });
    expect(answer).toMatchObject({ type: 'resumed', payload: { replayed: pushed + OWN_ARRIVAL - received.length } });
    const replayed = client.frames.filter((frame) => frame.seq !== undefined);
    const ids = [...received.slice(OWN_ARRIVAL), ...replayed].map((frame) => frame.payload.message_id);
    expect(ids).toEqual(Array.from({ length: pushed }, (_, i) => `m${i}`));
  });

  it('warns at start when the replay buffer is not above maxBufferedBytes', () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_: object, msg?: string) => warnings.push(msg ?? '') };
    createGateway({ clock: new ManualClock(), logger });
    expect(warnings).toEqual([]);
    createGateway({ clock: new ManualClock(), logger, maxBufferedBytes: 8 * 1024 * 1024 });
    expect(warnings).toEqual([expect.stringContaining('replayBufferBytes')]);
  });

  it('writes nothing more to a connection once its unsent bytes pass maxBufferedBytes', async () => {
    let buffered = 0;
    let largest = 0;
    const closes: number[] = [];
    const socket: Connection = {
      send(text) {
        buffered += text.length; // a socket that never drains
        largest = Math.max(largest, text.length);
      },
      close: (code) => closes.push(code),
      get bufferedAmount() {
        return buffered;
      },
    };
    const gateway = createGateway({ clock: new ManualClock(), maxBufferedBytes: MAX_BUFFERED });
    const handle = gateway.open(socket);
    handle.message(JSON.stringify({ type: 'identify', payload: { user_id: 'slow', subscriptions: ['r'] } }), false);
    await expect.poll(() => gateway.stats().sessions_attached).toBe(1);
    for (let i = 0; i < 1000; i++) {
      gateway.broadcast(
        'chat.message.update',
        { room_id: 'r', message_id: `m${i}`, content: 'y'.repeat(1000), edited_at: EDITED },
        { room: 'r' },
      );
    }
    expect(closes).toEqual([4003]);
    // The frame that crossed the cap, then the goodbye: nothing after.
    expect(buffered).toBeLessThanOrEqual(MAX_BUFFERED + 2 * largest);
    expect(gateway.stats()).toMatchObject({ sessions_detached: 1 });
  });
});

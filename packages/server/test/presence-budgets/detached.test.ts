import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runGcScript } from '../helpers/gc-child';
import { request } from '../helpers/requests';
import { dropConnection, framesOf, lastSeq, resume } from '../helpers/resume';
import { startTestServer } from '../helpers/server';

const quiet = { heartbeatIntervalMs: 3_600_000 };

describe('a session waiting for a resume buffers no presence event', () => {
  it('keeps none while others come, change and go; its resume tells each changed user as they are now', async () => {
    const t = await startTestServer(quiet);
    const dave = (await t.join({ user_id: 'dave' })).client;
    const { client: alice, ready } = await t.join({ user_id: 'alice', subscriptions: ['r'] });
    const sessionId: string = ready.payload.session_id;
    await dave.nextChange('joined', 'alice');
    // Her own session is told of her too: the seq she resumes from is past that diff.
    await alice.nextChange('joined', 'alice');
    await alice.nextChange('joined', 'alice', 'r');
    const seq = lastSeq(alice);
    await dropConnection(t, alice);

    // While alice is away: bob comes (and joins her room), carol comes and goes, dave flaps five times.
    const bob = await t.joinRooms('bob', ['r']);
    const carol = (await t.join({ user_id: 'carol' })).client;
    carol.close(1000);
    await expect.poll(() => t.server.gateway.stats().sessions).toBe(3);
    for (const status of ['idle', 'dnd', 'online', 'idle', 'dnd']) await request(dave, 'presence.update', { status });
    await request(bob, 'chat.send', { room_id: 'r', client_msg_id: 'm1', content: 'hello alice' });

    // Her buffer holds the message and no presence diff at all.
    expect(t.server.gateway.eventsSince(sessionId, seq)?.map((event) => event.type)).toEqual(['chat.message']);
    expect(t.server.gateway.stats().budgets.detached_bytes.used).toBeLessThan(1000);

    const { client: back, answer } = await resume(t, { session_id: sessionId, seq });
    expect(answer.type).toBe('resumed');
    const replayed = back.frames.filter((frame) => frame.seq !== undefined);
    expect(replayed.map((frame) => frame.seq)).toEqual(replayed.map((_, i) => seq + 1 + i));
    expect(answer.payload.replayed).toBe(replayed.length);
    const told = back.changes().map((change) => ({
      kind: change.kind,
      room: change.roomId,
      user: change.userId,
      status: change.entry?.status,
    }));
    expect(told).toEqual(
      expect.arrayContaining([
        { kind: 'joined', room: undefined, user: 'bob', status: 'online' },
        { kind: 'joined', room: 'r', user: 'bob', status: 'online' },
        { kind: 'left', room: undefined, user: 'carol', status: undefined },
        { kind: 'updated', room: undefined, user: 'dave', status: 'dnd' },
      ]),
    );
    // Once per user and scope, however often it changed: one diff per scope, counted as it is now.
    expect(told).toHaveLength(4);
    const diffs = framesOf(back, 'presence.diff').map((frame) => [frame.payload.room_id, frame.payload.count]);
    expect(diffs).toEqual(
      expect.arrayContaining([
        [undefined, 3],
        ['r', 2],
      ]),
    );
    expect(diffs).toHaveLength(2);
    expect(framesOf(back, 'chat.message').map((frame) => frame.payload.content)).toEqual(['hello alice']);

    // Live again: presence reaches her as it happens.
    await request(dave, 'presence.update', { status: 'online' });
    const live = await back.nextChange('updated', 'dave');
    expect(live.entry.status).toBe('dnd');
    expect((await back.nextChange('updated', 'dave')).entry).toMatchObject({ user_id: 'dave', status: 'online' });
  });
});

const costScript = fileURLToPath(new URL('./detached-cost.ts', import.meta.url));
const serverModule = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

interface Checkpoint {
  sessions: number;
  per_session_bytes: number;
  marginal_bytes: number;
}

/** Runs detached-cost.ts in a process of its own with `--expose-gc`: one line per checkpoint. */
async function measure(cost: Record<string, unknown>): Promise<Checkpoint[]> {
  const lines = await runGcScript(costScript, 'COST', { serverModule, ...cost }, 150_000);
  return lines.map((line) => JSON.parse(line) as Checkpoint);
}

/** What one more dropped session may cost, whatever their number (the joins it buffered before dropping too). */
const PER_SESSION_BUDGET = 12 * 1024;

describe('dropped sessions cost O(1) each', () => {
  it('3,000 cost no more per session than 1,000, while users keep coming and going', async () => {
    const [thousand, threeThousand] = await measure({ sessions: [1000, 3000], churn: 500 });
    if (thousand === undefined || threeThousand === undefined) throw new Error('no measurement');
    // Before, each one buffered every join and leave after it: 26 KB each at 1,000, 43 KB at 3,000, and the
    // 2,000 after the first thousand cost 52 KB each.
    expect(threeThousand.marginal_bytes).toBeLessThan(PER_SESSION_BUDGET);
    expect(threeThousand.per_session_bytes).toBeLessThanOrEqual(thousand.per_session_bytes);
  }, 180_000);
});

import { describe, expect, it } from 'vitest';
import { comparePositions } from '../../src/cluster/resume/positions';
import type { Anchor } from '../../src/core/ports/session-store';
import { ManualClock } from '../helpers/manual-clock';
import { redisAvailability, redisForSuite, redisSuiteTitle } from '../helpers/redis-server';
import { request, settle } from '../helpers/requests';
import { dropConnection, lastSeq, resume } from '../helpers/resume';
import { startTestServer, type TestServer } from '../helpers/server';
import { dispatches, dispatchKeys, readSessionRecord, recordWhere, storedAnchors } from '../helpers/session-records';
import type { TestClient } from '../helpers/ws-client';

/** As in sessions/anywhere.ts: the sweep period, and the anchors kept per session. */
const SWEEP_MS = 1_000;
const MAX_ANCHORS = 16;
/** A record's TTL is the resume window plus two sweeps; it is written again after a third of it. */
const WINDOW_MS = 30_000;
const TTL_MS = WINDOW_MS + 2 * SWEEP_MS;

const redis = redisAvailability();
const shared = redisForSuite(redis);
let prefixes = 0;

/**
 * Two gateways in this process on one Redis (a fresh prefix) and one manual clock: time, and so every sweep,
 * moves only when the test says. Heartbeats are an hour apart, so no advance ever times a connection out.
 */
async function cluster() {
  const clock = new ManualClock();
  const prefix = `sw${++prefixes}:`;
  const options = {
    redisUrl: shared.url(),
    redisPrefix: prefix,
    clock,
    resumeWindowMs: WINDOW_MS,
    heartbeatIntervalMs: 3_600_000,
  };
  const a = await startTestServer(options);
  const b = await startTestServer(options);
  return { clock, prefix, a, b };
}

/** The stream entry the newest sequenced message is: the position everything so far has reached. */
async function newestPosition(prefix: string): Promise<string | undefined> {
  const [newest] = await shared.commands().xrevrange(`${prefix}events`, '+', '-', 'COUNT', 1);
  return newest?.[0];
}

/**
 * Alice and bob on A, both in room `r`. Alice's stretch has begun (its first anchor is stored) and everything
 * so far has reached her; nothing is in flight.
 */
async function aliceOnA(a: TestServer<[]>, prefix: string) {
  const { client: alice, ready } = await a.join({ user_id: 'alice', display_name: 'alice' });
  const sessionId: string = ready.payload.session_id;
  await request(alice, 'subscribe', { room_ids: ['r'] });
  const bob = await a.joinRooms('bob', ['r']);
  await settle(bob, 'r', [alice, bob]);
  // The subscribe's marker starts the stretch: one anchor, and the room reaching her from there.
  const first = await recordWhere(shared.commands(), prefix, sessionId, (s) => 'room:r' in s.record.channels);
  expect(first.record.anchors).toHaveLength(1);
  return { alice, bob, sessionId, start: first.record.anchors[0] as Anchor };
}

/** Bob says `content`; resolves once alice has it. */
async function say(bob: TestClient, alice: TestClient, content: string): Promise<void> {
  await request(bob, 'chat.send', { room_id: 'r', client_msg_id: content, content });
  for (let i = 0; i < 100; i++) if ((await alice.next('chat.message', 5000)).payload.content === content) return;
  throw new Error(`alice never got ${content}`);
}

/** One sweep period (or `ms`) on the manual clock; resolves once the record holds an anchor at alice's seq now. */
async function sweepTo(
  clock: ManualClock,
  prefix: string,
  sessionId: string,
  alice: TestClient,
  ms = SWEEP_MS,
): Promise<Anchor[]> {
  const seq = lastSeq(alice);
  clock.advance(ms);
  const stored = await recordWhere(shared.commands(), prefix, sessionId, (s) => s.record.anchors.at(-1)?.seq === seq);
  return [...stored.record.anchors];
}

describe.skipIf(!redis.available)(redisSuiteTitle('resume on any instance: the anchor sweep', redis), () => {
  it('anchors on the sweep period only, at the exact position; capped per session, oldest dropped; TTL refreshed', async () => {
    const { clock, prefix, a } = await cluster();
    const { alice, bob, sessionId, start } = await aliceOnA(a, prefix);

    // Events reach her between sweeps, and the clock moves to just short of the next one: no anchor yet.
    await say(bob, alice, 'm1');
    await say(bob, alice, 'm2');
    expect(lastSeq(alice)).toBeGreaterThan(start.seq);
    clock.advance(SWEEP_MS - 1);
    // A barrier through A's record writes: carol's new session writes her record at her marker, in one
    // pipeline after alice's would be (alice's track is older). Alice's still holds the stretch's start only.
    const { client: carol, ready } = await a.join({ user_id: 'carol', display_name: 'carol' });
    await recordWhere(shared.commands(), prefix, ready.payload.session_id, (s) => s.record.anchors.length > 0);
    expect(await storedAnchors(shared.commands(), prefix, sessionId)).toEqual([start]);
    // Carol's arrival is news to alice too; let it reach her before counting her seq.
    await alice.nextChange('joined', 'carol', undefined, 5000);
    carol.close(1000);
    await alice.nextChange('left', 'carol', undefined, 5000);

    // The last millisecond of the period: the sweep anchors.
    let anchors = await sweepTo(clock, prefix, sessionId, alice, 1);
    // The anchor pairs her seq now with the newest stream entry A had received, which is the last thing she got.
    expect(anchors).toEqual([start, { seq: lastSeq(alice), pos: await newestPosition(prefix) }]);

    // Sweeps with nothing new add nothing.
    for (let i = 0; i < 3; i++) clock.advance(SWEEP_MS);
    await say(bob, alice, 'm3');
    anchors = await sweepTo(clock, prefix, sessionId, alice);
    expect(anchors.map((anchor) => anchor.seq)).toEqual([start.seq, lastSeq(alice) - 1, lastSeq(alice)]);

    // One message per sweep, well past the cap: the newest MAX_ANCHORS stay, the oldest (the stretch's start
    // among them) are dropped, one per new anchor. Three anchors so far; message m{i} makes the i-th.
    for (let i = 4; i <= MAX_ANCHORS + 6; i++) {
      await say(bob, alice, `m${i}`);
      anchors = await sweepTo(clock, prefix, sessionId, alice);
      expect(anchors).toHaveLength(Math.min(MAX_ANCHORS, i));
    }
    const last = lastSeq(alice);
    expect(anchors.map((anchor) => anchor.seq)).toEqual(
      Array.from({ length: MAX_ANCHORS }, (_, i) => last - MAX_ANCHORS + 1 + i),
    );
    expect(anchors.some((anchor) => anchor.seq === start.seq)).toBe(false);
    // Oldest first, positions in stream order.
    for (let i = 1; i < anchors.length; i++) {
      expect(comparePositions(anchors[i - 1]?.pos ?? '', anchors[i]?.pos ?? '')).toBeLessThan(0);
    }

    // Nothing new for a third of the TTL: the record is written again all the same (its TTL refreshed),
    // with the same anchors. The test lengthens the TTL first, so the rewrite shows as a shorter one.
    const key = `${prefix}session:${sessionId}`;
    await shared.commands().pexpire(key, 10 * TTL_MS);
    for (let t = 0; t <= TTL_MS / 3; t += SWEEP_MS) clock.advance(SWEEP_MS);
    await expect.poll(() => shared.commands().pttl(key), { timeout: 5000, interval: 20 }).toBeLessThanOrEqual(TTL_MS);
    expect((await readSessionRecord(shared.commands(), prefix, sessionId))?.record.anchors).toEqual(anchors);
  });

  it('refuses a resume from a seq older than every anchor (no partial replay); one at the oldest anchor resumes', async () => {
    const { clock, prefix, a, b } = await cluster();
    const { alice, bob, sessionId, start } = await aliceOnA(a, prefix);
    // Past the cap, so the oldest anchor left is a sweep's, and the stretch's start is gone.
    for (let i = 1; i <= MAX_ANCHORS + 3; i++) {
      await say(bob, alice, `m${i}`);
      await sweepTo(clock, prefix, sessionId, alice);
    }
    const live = dispatches(alice);
    await dropConnection(a, alice);
    // Missed while she is away: only the events stream can give them to B.
    for (const content of ['late-1', 'late-2', 'late-3']) {
      await request(bob, 'chat.send', { room_id: 'r', client_msg_id: content, content });
    }
    await settle(bob, 'r', [bob]);
    const { holder, record } = await recordWhere(
      shared.commands(),
      prefix,
      sessionId,
      (s) => s.record.anchors.length > 0,
    );
    expect(holder).toBe(a.server.gateway.stats().server_id);
    expect(record.anchors).toHaveLength(MAX_ANCHORS);
    const oldest = record.anchors[0] as Anchor;
    expect(oldest.seq).toBeGreaterThan(start.seq);

    // Older than every anchor: the dropped stretch start, the seq just before the oldest, and nothing at all.
    for (const seq of [oldest.seq - 1, start.seq, 0]) {
      const { client, answer } = await resume(b, { session_id: sessionId, seq });
      expect(answer.type).toBe('invalid_session');
      expect(answer.payload).toMatchObject({ resumable: false });
      await client.barrier();
      expect(dispatches(client)).toEqual([]);
      expect(client.all('resumed')).toEqual([]);
      client.close();
    }
    expect(b.server.gateway.stats()).toMatchObject({ resumes_refused: 3, resumes_ok: 0, sessions: 0 });
    // A refusal claims nothing: the session is still A's, as it was.
    expect((await readSessionRecord(shared.commands(), prefix, sessionId))?.holder).toBe(holder);

    // Exactly at the oldest anchor: everything after it, once, in order, numbered as A numbered it.
    const { client: again, answer } = await resume(b, { session_id: sessionId, seq: oldest.seq });
    expect(answer.type).toBe('resumed');
    const replayed = dispatches(again);
    const seen = live.filter((frame) => (frame.seq ?? 0) > oldest.seq);
    expect(seen.length).toBeGreaterThanOrEqual(MAX_ANCHORS - 1);
    expect(answer.payload).toEqual({ session_id: sessionId, replayed: seen.length + 4 });
    expect(dispatchKeys(replayed.slice(0, seen.length))).toEqual(dispatchKeys(seen));
    expect(replayed.slice(seen.length).map((frame) => [frame.seq, frame.payload.content])).toEqual(
      ['late-1', 'late-2', 'late-3']
        .map((content, i) => [lastSeq(alice) + i + 1, content])
        .concat([[lastSeq(alice) + 4, expect.stringMatching(/^settle-/)]]),
    );
    expect(b.server.gateway.stats()).toMatchObject({ resumes_ok: 1, sessions_attached: 1 });
    // Live on B from there: numbered on.
    await say(bob, again, 'after');
    expect(again.all('chat.message').at(-1)).toMatchObject({ seq: lastSeq(alice) + 5, payload: { content: 'after' } });
  });
});

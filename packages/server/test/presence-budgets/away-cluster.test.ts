import { describe, expect, it } from 'vitest';
import { redisAvailability, redisForSuite, redisSuiteTitle } from '../helpers/redis-server';
import { request } from '../helpers/requests';
import { dropConnection, framesOf, lastSeq, resume } from '../helpers/resume';
import { startTestServer, type TestServer } from '../helpers/server';
import type { Frame, TestClient } from '../helpers/ws-client';

const redis = redisAvailability();
const shared = redisForSuite(redis);
let prefixes = 0;

/** Two gateways in this process sharing one Redis under a fresh prefix, as two instances would. */
async function twoInstances() {
  const prefix = `pa${++prefixes}:`;
  const options = { redisUrl: shared.url(), redisPrefix: prefix, heartbeatIntervalMs: 3_600_000 };
  const a: TestServer<[]> = await startTestServer(options);
  const b: TestServer<[]> = await startTestServer(options);
  return { prefix, a, b };
}

interface StoredRecord {
  anchors: Array<{ seq: number; pos: string }>;
  away_from?: string;
}

async function readRecord(prefix: string, sessionId: string): Promise<StoredRecord | undefined> {
  const data = await shared.commands().hget(`${prefix}session:${sessionId}`, 'data');
  return typeof data === 'string' ? (JSON.parse(data) as StoredRecord) : undefined;
}

/** What a resumed client was told of presence: one line per user a diff named. */
const presenceTold = (client: TestClient) =>
  client.changes().map((change) => ({
    kind: change.kind,
    room: change.roomId,
    user: change.userId,
    status: change.entry?.status,
  }));

/** Each diff a resumed client got: its scope and count. */
const diffsTold = (client: TestClient) =>
  framesOf(client, 'presence.diff').map((frame: Frame) => [frame.payload.room_id, frame.payload.count]);

/** The seqs a resume replayed run on from the client's, without a hole. */
function expectConsecutive(client: TestClient, from: number): void {
  const seqs = client.frames.flatMap((frame) => (frame.seq === undefined ? [] : [frame.seq]));
  expect(seqs).toEqual(seqs.map((_, i) => from + 1 + i));
}

/**
 * Alice drops from A and waits for a resume while others come and go on B, then resumes on B: A numbered no
 * presence event for her while she was away, so B's rebuild from the events stream must not either, and must
 * tell her each changed user once, as they are now.
 */
describe.skipIf(!redis.available)(
  redisSuiteTitle('presence of a session away, resumed on another instance', redis),
  () => {
    async function aliceAway() {
      const { prefix, a, b } = await twoInstances();
      const dave = (await b.join({ user_id: 'dave' })).client;
      const { client: alice, ready } = await a.join({ user_id: 'alice', subscriptions: ['r'] });
      const sessionId: string = ready.payload.session_id;
      await dave.nextChange('joined', 'alice');
      // Her own session is told of her too: the seq she resumes from is past those diffs.
      await alice.nextChange('joined', 'alice', undefined, 5000);
      await alice.nextChange('joined', 'alice', 'r', 5000);
      await alice.barrier();
      await expect.poll(async () => (await readRecord(prefix, sessionId))?.anchors.length, { timeout: 5000 }).toBe(1);
      const seq = lastSeq(alice);
      await dropConnection(a, alice);
      await expect.poll(async () => (await readRecord(prefix, sessionId))?.away_from, { timeout: 5000 }).toBeDefined();

      // Away: bob comes (and into her room), carol comes and goes, dave flaps.
      const bob = await b.joinRooms('bob', ['r']);
      const carol = (await b.join({ user_id: 'carol' })).client;
      carol.close(1000);
      for (const status of ['idle', 'dnd', 'online', 'dnd']) await request(dave, 'presence.update', { status });
      // A has heard all of it (A's own sessions are told through the same stream): dave's last update is in.
      await expect
        .poll(() => a.server.gateway.presence().find((entry) => entry.user_id === 'dave')?.status, { timeout: 5000 })
        .toBe('dnd');
      await expect.poll(() => a.server.gateway.presence().some((entry) => entry.user_id === 'carol')).toBe(false);
      return { prefix, a, b, bob, sessionId, seq };
    }

    const expected = [
      { kind: 'joined', room: undefined, user: 'bob', status: 'online' },
      { kind: 'joined', room: 'r', user: 'bob', status: 'online' },
      { kind: 'left', room: undefined, user: 'carol', status: undefined },
      { kind: 'updated', room: undefined, user: 'dave', status: 'dnd' },
    ];
    /** One diff per scope, counted as it is at the resume: alice, dave and bob online; alice and bob in r. */
    const expectedDiffs = [
      [undefined, 3],
      ['r', 2],
    ];

    it('while A still holds the session: each changed user once, numbered on without a hole', async () => {
      const { b, bob, sessionId, seq } = await aliceAway();
      await request(bob, 'chat.send', { room_id: 'r', client_msg_id: 'm1', content: 'hello alice' });
      const { client: back, answer } = await resume(b, { session_id: sessionId, seq });
      expect(answer.type).toBe('resumed');
      expectConsecutive(back, seq);
      expect(presenceTold(back)).toEqual(expect.arrayContaining(expected));
      expect(presenceTold(back)).toHaveLength(expected.length);
      expect(diffsTold(back)).toEqual(expect.arrayContaining(expectedDiffs));
      expect(diffsTold(back)).toHaveLength(expectedDiffs.length);
      expect(framesOf(back, 'chat.message').map((frame) => frame.payload.content)).toEqual(['hello alice']);
    });

    it('after A stopped: its last anchors come later than the drop, and she is still told what changed', async () => {
      const { prefix, a, b, sessionId, seq } = await aliceAway();
      const before = await readRecord(prefix, sessionId);
      // A stops and writes exact anchors for the sessions it lets go: at its position now, with her seq unchanged.
      await a.server.close();
      const after = await readRecord(prefix, sessionId);
      expect(after?.anchors.at(-1)?.seq).toBe(seq);
      expect(after?.anchors.at(-1)?.pos).not.toBe(before?.anchors.at(-1)?.pos);
      expect(after?.away_from).toBe(before?.away_from);

      const { client: back, answer } = await resume(b, { session_id: sessionId, seq });
      expect(answer.type).toBe('resumed');
      expectConsecutive(back, seq);
      expect(presenceTold(back)).toEqual(expect.arrayContaining(expected));
      expect(presenceTold(back)).toHaveLength(expected.length);
      expect(diffsTold(back)).toEqual(expect.arrayContaining(expectedDiffs));
      expect(diffsTold(back)).toHaveLength(expectedDiffs.length);
    });
  },
);

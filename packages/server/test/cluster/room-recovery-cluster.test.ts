import type { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisClusterForSuite } from '../helpers/redis-cluster';
import { redisAvailability, redisSuiteTitle } from '../helpers/redis-server';
import { nextMessages, request, say } from '../helpers/requests';
import { lastSeq } from '../helpers/resume';
import { startTestServer } from '../helpers/server';
import type { TestClient } from '../helpers/ws-client';

const redis = redisAvailability();
const quiet = { heartbeatIntervalMs: 3_600_000 };

/** The port of the master serving `key`'s slot. */
async function masterPortOf(inspector: Cluster, key: string): Promise<number> {
  const slot = Number(await inspector.cluster('KEYSLOT', key));
  const ranges = await inspector.cluster('SLOTS');
  const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
  if (master === undefined) throw new Error(`no master for slot ${slot}`);
  return master[1];
}

/** The first room `prefix-N` whose keys land on the master at `port` (`on`) or off it. */
async function roomPlaced(inspector: Cluster, port: number, on: boolean): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const room = `place-${i}`;
    if (((await masterPortOf(inspector, `gw:{room:${room}}:head`)) === port) === on) return room;
  }
  throw new Error('no room found for that master');
}

/** Messages a client holds per room, and the position it holds in each. */
function positionsOf(frames: Awaited<ReturnType<typeof nextMessages>>) {
  const held = new Map<string, { room_id: string; epoch: string; offset: number }>();
  for (const frame of frames) if (frame.pos !== undefined) held.set(frame.pos.room_id, frame.pos);
  return [...held.values()];
}

/**
 * Room recovery on a real three-master Redis Cluster: a room's head, log and channel share one slot; a session
 * that is gone is recovered on another instance from the room logs; and a master killed under a room shows a
 * client exactly what was lost, never a silent gap.
 */
describe.skipIf(!redis.available)(redisSuiteTitle('room recovery on a three-master Redis Cluster', redis), () => {
  const suite = redisClusterForSuite(redis);

  it('numbers a room in its own slot and recovers a gone session on another instance', async () => {
    const cluster = suite.servers();
    const inspector = suite.inspector();
    const a = await startTestServer({ ...quiet, redisCluster: cluster.nodes });
    const b = await startTestServer({ ...quiet, redisCluster: cluster.nodes });
    const slots = await Promise.all(
      ['gw:{room:team}:head', 'gw:{room:team}:log', 'gw:{room:team}'].map((key) => inspector.cluster('KEYSLOT', key)),
    );
    expect(new Set(slots).size).toBe(1);

    const bob = await a.joinRooms('bob', ['team', 'ops']);
    const ann = await b.joinRooms('ann', ['team', 'ops']);
    await say(bob, 'team', 'one', 'two');
    await say(bob, 'ops', 'x');
    const seen = await nextMessages(ann, 3);
    expect(seen.map((frame) => [frame.payload.content, frame.pos?.offset])).toEqual([
      ['one', 1],
      ['two', 2],
      ['x', 1],
    ]);
    const ready = ann.all('ready')[0];
    const sessionId = String(ready?.payload.session_id);

    // Ann's connection drops and her instance goes with it. A cluster keeps no events stream: with the holder
    // gone no one can hand the session over, so instance a refuses the resume and her rooms are recovered.
    ann.ws.terminate();
    await b.server.close();
    await say(bob, 'team', 'three');
    await say(bob, 'ops', 'y', 'z');
    const back = await a.connect();
    back.send({ type: 'resume', payload: { session_id: sessionId, seq: lastSeq(ann) } });
    expect((await back.next('invalid_session')).payload).toMatchObject({ resumable: false });
    back.send({
      type: 'identify',
      payload: { user_id: 'ann', subscriptions: ['team', 'ops'], since: positionsOf(seen) },
    });
    const recovered = await back.next('ready');
    expect(recovered.payload.recovery).toEqual([
      { room_id: 'team', recovered: true, replayed: 1 },
      { room_id: 'ops', recovered: true, replayed: 2 },
    ]);
    const replayed = await nextMessages(back, 3);
    expect(replayed.map((frame) => [frame.pos?.room_id, frame.pos?.offset, frame.payload.content])).toEqual([
      ['team', 3, 'three'],
      ['ops', 2, 'y'],
      ['ops', 3, 'z'],
    ]);
  });

  it('tells a client a room was lost with its master, and recovers the rooms of the masters that lived', async () => {
    const cluster = suite.servers();
    const inspector = suite.inspector();
    const a = await startTestServer({ ...quiet, redisCluster: cluster.nodes });
    const b = await startTestServer({ ...quiet, redisCluster: cluster.nodes });
    const doomedPort = Number(new URL(cluster.nodes[0] ?? '').port);
    const lost = await roomPlaced(inspector, doomedPort, true);
    const kept = await roomPlaced(inspector, doomedPort, false);

    const bob = await a.joinRooms('bob', [lost, kept]);
    const ann: TestClient = await b.joinRooms('ann', [lost, kept]);
    await say(bob, lost, 'l1', 'l2');
    await say(bob, kept, 'k1', 'k2');
    const held = positionsOf(await nextMessages(ann, 4));
    ann.close(1000);

    // The master of `lost` dies. Until it is back, a room of its slots cannot be read: its recovery is
    // refused as unavailable, never answered as if nothing had been missed.
    await cluster.kill(0);
    const { client: carol } = await b.join({ user_id: 'carol' });
    const during = await request(carol, 'subscribe', {
      room_ids: [lost],
      since: held.filter((p) => p.room_id === lost),
    });
    expect(during.payload.recovery).toEqual([{ room_id: lost, recovered: false, replayed: 0, reason: 'unavailable' }]);

    // It comes back empty (nothing persisted): the room's log and its epoch are gone with it.
    await cluster.restart(0);
    await expect
      .poll(async () => (await inspector.set(`gw:{room:${lost}}:probe`, '1').catch(() => 'down')) === 'OK', {
        timeout: 10_000,
      })
      .toBe(true);
    const { client: dan } = await b.join({ user_id: 'dan' });
    const after = await request(dan, 'subscribe', { room_ids: [lost, kept], since: held });
    expect(after.payload.recovery).toEqual([
      { room_id: lost, recovered: false, replayed: 0, reason: 'epoch_changed' },
      { room_id: kept, recovered: true, replayed: 0 },
    ]);
    // Live traffic flows across instances again in both rooms: the sharded subscriptions on the restarted
    // master were made anew, and the lost room counts from 1 in its new epoch.
    await expect
      .poll(
        async () => {
          await say(bob, lost, 'again');
          const got = await nextMessages(dan, 1).catch(() => []);
          return got[0]?.pos?.room_id === lost;
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBe(true);
    await say(bob, kept, 'k3');
    const live = await nextMessages(dan, 1);
    expect(live.map((frame) => [frame.pos?.room_id, frame.pos?.offset])).toEqual([[kept, 3]]);
  }, 40_000);
});

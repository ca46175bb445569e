import type { GatewayClient } from '@gateway/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, readyClient, record, until } from '../e2e/helpers';
import { type GatewayInstance, healthBecomes, startInstance, stopInstances } from '../helpers/instances';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';

const redis = redisAvailability();

function stateChanges(client: GatewayClient): string[] {
  const seen: string[] = [];
  client.on('state', ({ to }) => seen.push(to));
  return seen;
}

describe.skipIf(!redis.available)(redisSuiteTitle('cluster: Redis restarted mid-traffic', redis), () => {
  let server: RedisServer;
  let a: GatewayInstance;
  let b: GatewayInstance;

  beforeAll(async () => {
    server = await startRedisServer();
    [a, b] = await Promise.all([startInstance({ REDIS_URL: server.url }), startInstance({ REDIS_URL: server.url })]);
  });

  afterAll(async () => {
    await stopInstances();
    await stopRedisServers();
  });

  it('degrades (/health), keeps local chat going, recovers without a restart, and chats across instances again', async ({
    annotate,
  }) => {
    const alice = await readyClient(a, 'alice', { rooms: ['room-1'] });
    const carol = await readyClient(a, 'carol', { rooms: ['room-1'] });
    const bob = await readyClient(b, 'bob', { rooms: ['room-1'] });
    const changes = [alice, carol, bob].map(stateChanges);
    const atCarol = record(carol, 'chat.message');
    const atBob = record(bob, 'chat.message');
    const atAlice = record(alice, 'chat.message');

    const bobGot = nextEvent(bob, 'chat.message');
    await alice.sendMessage('room-1', 'before');
    await bobGot;

    // Traffic from alice, with Redis killed in the middle of it.
    const sent: string[] = [];
    let killed: Promise<void> | undefined;
    for (let i = 0; i < 60; i++) {
      if (i === 20) killed = server.kill();
      const content = `traffic-${i}`;
      const ack = await alice.sendMessage('room-1', content);
      expect(ack.status).toBe('accepted');
      sent.push(content);
    }
    await killed;
    const degraded = await healthBecomes(a, 'degraded');
    expect(degraded).toMatchObject({
      status: 'degraded',
      backplane: { kind: 'redis', state: 'degraded', detail: expect.any(String) },
    });
    await healthBecomes(b, 'degraded');

    // Local chat goes on: carol, on alice's instance, gets every message sent while degraded.
    for (const content of ['during-1', 'during-2', 'during-3']) {
      const carolGot = nextEvent(carol, 'chat.message', (m) => m.content === content);
      await alice.sendMessage('room-1', content);
      await carolGot;
    }
    const bobOwn = nextEvent(bob, 'chat.message', (m) => m.content === 'during-b');
    await bob.sendMessage('room-1', 'during-b');
    await bobOwn;

    const restartedAt = Date.now();
    await server.restart();
    await Promise.all([healthBecomes(a, 'ok'), healthBecomes(b, 'ok')]);
    const recoveryMs = Date.now() - restartedAt;
    expect(recoveryMs).toBeLessThan(5000);

    const bobGotAfter = nextEvent(bob, 'chat.message', (m) => m.content === 'after');
    await alice.sendMessage('room-1', 'after');
    await bobGotAfter;
    const aliceGotBack = nextEvent(alice, 'chat.message', (m) => m.content === 'back');
    await bob.sendMessage('room-1', 'back');
    await aliceGotBack;
    await until(carol, 'chat.message', () => atCarol.some((m) => m.content === 'back'));

    // Nobody was disconnected, and nothing arrived twice.
    expect(changes).toEqual([[], [], []]);
    for (const seen of [atAlice, atCarol, atBob]) {
      expect(new Set(seen.map((m) => m.message_id)).size).toBe(seen.length);
    }
    // Carol, on alice's instance, got every accepted message once and in order, even those whose publish or
    // echo was in flight at the kill (at most a few publishes may have missed the other instance: counted).
    const stats = (await a.get('/stats')).backplane as { publish_failures: number; delivered_locally: number };
    expect(atCarol.map((m) => m.content).filter((c) => c.startsWith('traffic-'))).toEqual(sent);
    expect(stats.publish_failures).toBeLessThanOrEqual(5);
    expect(stats).toMatchObject({ state: 'ok', recoveries: 1 });
    expect(stats.delivered_locally).toBeGreaterThanOrEqual(3);
    // Cross-instance traffic paused while degraded: bob heard nothing of A's outage-time messages.
    expect(atBob.map((m) => m.content).filter((c) => c.startsWith('during'))).toEqual(['during-b']);
    expect(a.logs.some((entry) => entry.msg === 'redis backplane recovered: fan-out across instances again')).toBe(
      true,
    );
    await annotate(
      `recovered ${recoveryMs} ms after Redis restarted; ${stats.publish_failures} publishes lost in flight at the kill`,
    );
  });
});

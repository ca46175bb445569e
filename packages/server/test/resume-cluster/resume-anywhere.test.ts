import type { WebSocketConstructor } from '@gateway/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { nextEvent, readyClient, record, recordTypes, until } from '../e2e/helpers';
import { type GatewayInstance, startInstance, stopInstances } from '../helpers/instances';
import { redisClusterForSuite } from '../helpers/redis-cluster';
import {
  type RedisServer,
  redisAvailability,
  redisSuiteTitle,
  startRedisServer,
  stopRedisServers,
} from '../helpers/redis-server';

const redis = redisAvailability();
/**
 * A send the kill catches after its ack went out but before its publish did is published by another
 * instance's rescue once the dead one's liveness expires: 2 s here rather than the default 30 s, so the
 * 15 s wait for bob to see it covers that case too.
 */
const RESCUE_TTL_MS = '2000';

/**
 * A load balancer in one variable: every socket the client opens goes to whichever instance `target` names
 * when it opens, whatever URL the client asked for.
 */
function balancer(first: GatewayInstance): { WebSocket: WebSocketConstructor; pointAt(to: GatewayInstance): void } {
  let target = first.wsUrl;
  class Balanced extends WebSocket {
    constructor(_url: string) {
      super(target);
    }
  }
  return {
    WebSocket: Balanced as unknown as WebSocketConstructor,
    pointAt(to) {
      target = to.wsUrl;
    },
  };
}

const reconnect = { minDelayMs: 20, maxDelayMs: 200 };

/** Names the step whose deadline passed. */
async function step<T>(label: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Where the instances meet: one Redis with its events stream, or a Redis Cluster, which has none. */
interface Target {
  readonly title: string;
  env(): Record<string, string>;
  /** What alice's client emits when her instance was drained, and when it was killed. */
  readonly drained: readonly string[];
  readonly killed: readonly string[];
}

/**
 * Two gateway processes on one Redis (or one Redis Cluster). Alice is on A; a publisher (bob, on B) keeps
 * sending into the room; A goes away (drained or killed) and alice's next socket reaches B. On one Redis her
 * session is rebuilt from the events stream, drained or killed: `resumed`. On a cluster a drained A hands it
 * over (`resumed`); a killed A cannot, and her room is recovered from its log (`reset` naming no room). Either
 * way she sees every message once, in order.
 */
function moves(target: Target): void {
  let b: GatewayInstance;

  beforeAll(async () => {
    b = await startInstance(target.env());
  });

  afterAll(async () => {
    await stopInstances();
  });

  async function moveAcross(
    room: string,
    loseA: (a: GatewayInstance) => Promise<void>,
    sendBefore: boolean,
    annotate: (message: string) => Promise<unknown>,
    expected: readonly string[],
  ): Promise<void> {
    const a = await startInstance(target.env());
    const lb = balancer(a);
    const alice = await readyClient(a, `alice-${room}`, { rooms: [room], reconnect, WebSocket: lb.WebSocket });
    const bob = await readyClient(b, `bob-${room}`, { rooms: [room] });
    const atAlice = record(alice, 'chat.message');
    const atBob = record(bob, 'chat.message');
    const lifecycle = recordTypes(alice, ['resumed', 'reset', 'ready']);

    // The publisher sends p1, p2, … one after another until told to stop, whatever happens to A.
    let sent = 0;
    let stop = false;
    const publishing = (async () => {
      while (!stop && sent < 2000) {
        sent += 1;
        await bob.sendMessage(room, `p${sent}`);
      }
    })();
    const fromBob = () => atAlice.filter((m) => m.sender_id === `bob-${room}`);
    await step(
      'first messages',
      until(alice, 'chat.message', () => fromBob().length >= 20, 15_000),
    );

    // A chat send as A goes away (on the wire to a draining A; to a killed A's dead socket, or queued, and
    // sent again after the resume): delivered once, wherever it lands.
    const send = () => alice.sendMessage(room, 'around the loss', { clientMsgId: `around-${room}` });
    let aroundLoss = sendBefore ? send() : undefined;
    lb.pointAt(b);
    // Back with her session (`resumed`), or with a new one and her room recovered (`ready`).
    const back = expected.includes('resumed') ? 'resumed' : 'ready';
    const resumed = nextEvent(alice, back, () => true, 10_000);
    await loseA(a);
    aroundLoss ??= send();
    await step(back, resumed);
    await step('send around the loss', aroundLoss);
    const countAfterResume = fromBob().length;
    await step(
      'live after resume',
      until(alice, 'chat.message', () => fromBob().length >= countAfterResume + 20, 15_000),
    );
    stop = true;
    await step('publisher', publishing);
    await step(
      'last message',
      until(alice, 'chat.message', () => fromBob().some((m) => m.content === `p${sent}`), 15_000),
    );
    await step(
      'bob sees it',
      until(bob, 'chat.message', () => atBob.some((m) => m.content === 'around the loss'), 15_000),
    );

    expect(fromBob().map((m) => m.content)).toEqual(Array.from({ length: sent }, (_, i) => `p${i + 1}`));
    expect(atAlice.filter((m) => m.content === 'around the loss')).toHaveLength(1);
    expect(atBob.filter((m) => m.content === 'around the loss')).toHaveLength(1);
    expect(lifecycle.map((e) => e.type)).toEqual(expected);
    // A reset names the rooms that could not be recovered: none, the logs reach back.
    for (const event of lifecycle) if (event.type === 'reset') expect(event.payload).toMatchObject({ rooms: [] });
    expect(alice.state).toBe('ready');
    const stats = await b.get('/stats');
    expect(stats.resumes_ok).toBeGreaterThanOrEqual(1);
    const delivered = fromBob().length;
    const distinct = new Set(fromBob().map((m) => m.message_id)).size;
    await annotate(
      `${sent} published across the loss, ${delivered} delivered, ${sent - distinct} lost, ${delivered - distinct} duplicated; ${countAfterResume} had arrived when resumed`,
    );
  }

  it('after its instance is drained (SIGTERM)', async ({ annotate }) => {
    await moveAcross('drained', (a) => a.stop('SIGTERM'), true, annotate, target.drained);
  }, 60_000);

  it('after its instance is killed (SIGKILL)', async ({ annotate }) => {
    await moveAcross('killed', (a) => a.stop('SIGKILL'), false, annotate, target.killed);
  }, 60_000);

  it('after its instance is killed (SIGKILL) with a send on the wire as it dies', async ({ annotate }) => {
    // Wherever the kill lands (before A read it, after A claimed it, after A published it), the send is
    // delivered once: the retry after the resume is claimed afresh, or republishes A's claim once-only.
    await moveAcross('killed-mid-send', (a) => a.stop('SIGKILL'), true, annotate, target.killed);
  }, 60_000);
}

describe.skipIf(!redis.available)(redisSuiteTitle('resume on any instance: one Redis', redis), () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await stopRedisServers();
  });
  moves({
    title: 'one Redis',
    env: () => ({ REDIS_URL: server.url, PRESENCE_TTL_MS: RESCUE_TTL_MS }),
    drained: ['resumed'],
    killed: ['resumed'],
  });
});

describe.skipIf(!redis.available)(redisSuiteTitle('resume on any instance: a Redis Cluster', redis), () => {
  const suite = redisClusterForSuite(redis);
  moves({
    title: 'Redis Cluster',
    env: () => ({ REDIS_CLUSTER: suite.servers().nodes.join(','), PRESENCE_TTL_MS: RESCUE_TTL_MS }),
    drained: ['resumed'],
    killed: ['reset', 'ready'],
  });
});

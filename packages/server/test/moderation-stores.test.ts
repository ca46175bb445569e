import { afterAll, describe, expect, it } from 'vitest';
import { type BanStore, createRedisSharedState, inMemorySharedState, type RedisSharedState } from '../src/index';
import { InMemoryBanStore } from '../src/memory/ban-store';
import { ManualClock } from './helpers/manual-clock';
import { redisAvailability, redisForSuite, redisSuiteTitle } from './helpers/redis-server';

const MINUTE = 60_000;
const redis = redisAvailability();
const shared = redisForSuite(redis);
const opened: RedisSharedState[] = [];
let prefixes = 0;

afterAll(async () => {
  for (const state of opened) await state.close();
});

/** Each implementation of the ban store, fresh, on a manual clock. */
const implementations: Array<[string, boolean, (clock: ManualClock) => Promise<BanStore | undefined>]> = [
  ['in memory', true, async (clock) => inMemorySharedState.bans?.({ now: () => clock.now() })],
  [
    'Redis',
    redis.available,
    async (clock) => (await redisState(`bs${++prefixes}:`)).bans?.({ now: () => clock.now() }),
  ],
];

/** Shared state on the suite's redis-server under `prefix`, connected. */
async function redisState(prefix: string): Promise<RedisSharedState> {
  const state = createRedisSharedState({ url: shared.url(), prefix });
  opened.push(state);
  await state.ready();
  return state;
}

describe.each(implementations)('ban store: %s', (name, available, make) => {
  const title = name === 'Redis' ? redisSuiteTitle('ban store', redis) : 'ban store';

  describe.skipIf(!available)(title, () => {
    async function store(clock: ManualClock): Promise<BanStore> {
      const made = await make(clock);
      if (made === undefined) throw new Error(`${name} shared state has no bans`);
      return made;
    }

    it('keeps a ban with its reason until it ends, and not a moment longer', async () => {
      const clock = new ManualClock();
      const bans = await store(clock);
      expect(await bans.find('ann')).toBeUndefined();
      await bans.ban('ann', { until: clock.now() + MINUTE, reason: 'Spam.' });
      expect(await bans.find('ann')).toEqual({ until: clock.now() + MINUTE, reason: 'Spam.' });
      expect(await bans.find('bob')).toBeUndefined();
      clock.advance(MINUTE - 1);
      expect(await bans.find('ann')).toMatchObject({ reason: 'Spam.' });
      clock.advance(1);
      expect(await bans.find('ann')).toBeUndefined();
    });

    it('keeps the ban that ends last, whichever order they come in', async () => {
      const clock = new ManualClock();
      const bans = await store(clock);
      const start = clock.now();
      await bans.ban('ann', { until: start + 10 * MINUTE, reason: 'long' });
      await bans.ban('ann', { until: start + MINUTE, reason: 'short' });
      expect(await bans.find('ann')).toEqual({ until: start + 10 * MINUTE, reason: 'long' });
      await bans.ban('ann', { until: start + 20 * MINUTE });
      expect(await bans.find('ann')).toEqual({ until: start + 20 * MINUTE });
    });

    it('keeps nothing for a ban that has already ended', async () => {
      const clock = new ManualClock();
      const bans = await store(clock);
      await bans.ban('ann', { until: clock.now() });
      expect(await bans.find('ann')).toBeUndefined();
    });

    it('tells apart user ids that differ only in a separator', async () => {
      const clock = new ManualClock();
      const bans = await store(clock);
      await bans.ban('a:b', { until: clock.now() + MINUTE });
      expect(await bans.find('a%3Ab')).toBeUndefined();
      expect(await bans.find('a:b')).toBeDefined();
    });
  });
});

describe('ban store: in memory, bounded', () => {
  it('drops ended bans at the next ban, so they never pile up', () => {
    const clock = new ManualClock();
    const bans = new InMemoryBanStore({ now: () => clock.now() });
    for (let i = 0; i < 100; i++) bans.ban(`user-${i}`, { until: clock.now() + MINUTE });
    expect(bans.size).toBe(100);
    clock.advance(MINUTE);
    bans.ban('last', { until: clock.now() + MINUTE });
    expect(bans.size).toBe(1);
  });
});

describe.skipIf(!redis.available)(redisSuiteTitle('ban store: Redis keys', redis), () => {
  it('keeps one hash per banned user that expires when the ban ends', async () => {
    const clock = new ManualClock();
    const state = await redisState('bk:');
    const bans = state.bans?.({ now: () => clock.now() });
    await bans?.ban('ann:1', { until: clock.now() + 10 * MINUTE, reason: 'Spam.' });
    const commands = shared.commands();
    expect(await commands.hgetall('bk:ban:ann%3A1')).toEqual({
      until: String(clock.now() + 10 * MINUTE),
      reason: 'Spam.',
    });
    const ttl = await commands.pttl('bk:ban:ann%3A1');
    expect(ttl).toBeGreaterThan(10 * MINUTE - 5_000);
    expect(ttl).toBeLessThanOrEqual(10 * MINUTE);
    // A later write for what is left of it sets the TTL to what is left, never beyond the end.
    clock.advance(9 * MINUTE);
    await bans?.ban('ann:1', { until: clock.now() + 2 * MINUTE });
    expect(await commands.pttl('bk:ban:ann%3A1')).toBeLessThanOrEqual(2 * MINUTE);
    expect(await commands.pttl('bk:ban:ann%3A1')).toBeGreaterThan(MINUTE);
  });
});

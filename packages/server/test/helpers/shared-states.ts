import { afterAll, afterEach, beforeAll } from 'vitest';
import { createRedisSharedState, inMemorySharedState, type RedisSharedState, type SharedState } from '../../src/index';
import {
  type RedisAvailability,
  type RedisServer,
  redisAvailability,
  startRedisServer,
  stopRedisServers,
} from './redis-server';

/** One place the shared state can live, for a suite run against each (graphql-ws style). */
export interface SharedStateImplementation {
  readonly title: string;
  readonly available: boolean;
  make(): Promise<SharedState>;
}

export interface SharedStatesForFile {
  readonly redis: RedisAvailability;
  /** In memory, and on a redis-server of this file's (when there is one). */
  readonly implementations: readonly SharedStateImplementation[];
  /** `redis://…` of this file's redis-server; throws when there is none. */
  url(): string;
  /** A shared state under `prefix` on this file's redis-server (or at `at`), ready, and closed after the test. */
  open(prefix: string, at?: string): Promise<RedisSharedState>;
}

/**
 * The shared states a test file runs its suites against: starts a redis-server for the file when one can run,
 * closes what each test opened, and stops the server at the end. `prefix` keeps each made state's keys apart.
 */
export function sharedStatesForFile(prefix: string): SharedStatesForFile {
  const redis = redisAvailability();
  let server: RedisServer | undefined;
  const opened: RedisSharedState[] = [];
  let made = 0;
  beforeAll(async () => {
    if (redis.available) server = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((state) => state.close()));
  });
  afterAll(async () => {
    await stopRedisServers();
  });
  const url = () => {
    if (server === undefined) throw new Error('no redis-server');
    return server.url;
  };
  const open = async (keys: string, at?: string) => {
    const state = createRedisSharedState({ url: at ?? url(), prefix: keys });
    opened.push(state);
    await state.ready();
    return state;
  };
  return {
    redis,
    implementations: [
      { title: 'in memory', available: true, make: async () => inMemorySharedState },
      { title: 'Redis', available: redis.available, make: () => open(`${prefix}${++made}:`) },
    ],
    url,
    open,
  };
}

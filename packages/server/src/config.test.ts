import { describe, expect, it } from 'vitest';
import { readConfig } from './config';

describe('REDIS_CLUSTER', () => {
  it('lists the nodes of a Redis Cluster', () => {
    expect(readConfig({ REDIS_CLUSTER: 'redis://10.0.0.1:7000, redis://10.0.0.2:7000' }).redisCluster).toEqual([
      'redis://10.0.0.1:7000',
      'redis://10.0.0.2:7000',
    ]);
  });

  it('refuses a node that is not redis://host:port, without showing its password', () => {
    expect(() => readConfig({ REDIS_CLUSTER: 'redis://u:secret@h:7000/2' })).toThrow(/redis:\/\/u:\*\*\*@h:7000\/2/);
    expect(() => readConfig({ REDIS_CLUSTER: 'h:7000' })).toThrow(/REDIS_CLUSTER must list redis:\/\/host:port/);
  });

  it('refuses REDIS_URL and REDIS_CLUSTER together', () => {
    expect(() => readConfig({ REDIS_URL: 'redis://h:6379', REDIS_CLUSTER: 'redis://h:7000' })).toThrow(/not both/);
  });
});

import { describe, expect, it } from 'vitest';
import { Session } from '../session';
import { AwayLog } from './away';

const limits = { replayBufferEvents: 100, replayBufferBytes: 100_000 };
const session = (id: string) => new Session(id, { id: `user-${id}` }, `dev-${id}`, 'web', limits);

describe('AwayLog', () => {
  it('keeps nothing while nobody is away, and the latest change per user and channel for those who are', () => {
    const log = new AwayLog(100, () => {});
    log.note('all', 'ann', 'joined');
    expect(log.size).toBe(0);
    const away = session('a');
    log.away(away);
    expect(away.away).toBe(true);
    for (const type of ['joined', 'updated', 'updated', 'left'] as const) log.note('all', 'bob', type);
    log.note('room:r', 'bob', 'joined');
    expect(log.size).toBe(2);
    expect(log.takeMissed(away)).toEqual([
      { channel: 'all', userId: 'bob', type: 'left', at: 4 },
      { channel: 'room:r', userId: 'bob', type: 'joined', at: 5 },
    ]);
    // Caught up to now: it stays away, and the log needs nothing older any more.
    expect(away.away).toBe(true);
    expect(log.size).toBe(0);
    log.back(away);
    expect(away.away).toBe(false);
  });

  it('gives each session what came after its own mark, and forgets what the oldest no longer needs', () => {
    const log = new AwayLog(100, () => {});
    const first = session('a');
    const second = session('b');
    log.away(first);
    log.note('all', 'u1', 'joined');
    log.away(second);
    log.note('all', 'u2', 'joined');
    expect(log.takeMissed(second)?.map((change) => change.userId)).toEqual(['u2']);
    expect(log.size).toBe(2);
    log.back(first);
    // Only `second` is away, caught up after u2: nothing is left to keep.
    expect(log.size).toBe(0);
    log.note('all', 'u1', 'left');
    expect(log.takeMissed(second)?.map((change) => change.userId)).toEqual(['u1']);
  });

  it('past its budget lets the oldest changes go and loses the sessions that needed them', async () => {
    const lost: Session[][] = [];
    const log = new AwayLog(3, (sessions) => lost.push(sessions));
    const old = session('old');
    log.away(old);
    log.note('all', 'u1', 'joined');
    const recent = session('recent');
    log.away(recent);
    for (const user of ['u2', 'u3', 'u4']) log.note('all', user, 'joined');
    expect(log.size).toBe(3);
    expect(log.takeMissed(old)).toBeUndefined();
    expect(log.takeMissed(recent)?.map((change) => change.userId)).toEqual(['u2', 'u3', 'u4']);
    await Promise.resolve();
    expect(lost).toEqual([[old]]);
  });
});

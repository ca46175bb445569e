import { describe, expect, it } from 'vitest';
import { DedupWindow } from './dedup-window';

describe('DedupWindow', () => {
  it('forgets the oldest claims past maxEntries and says how many', () => {
    let evicted = 0;
    const window = new DedupWindow<string>(
      60_000,
      () => 0,
      3,
      (count) => {
        evicted += count;
      },
    );
    for (const key of ['a', 'b', 'c', 'd', 'e']) window.set(key, key);
    expect(window.size).toBe(3);
    expect(window.get('a')).toBeUndefined();
    expect(window.get('e')).toBe('e');
    expect(evicted).toBe(2);
  });

  it('lets claims expire with their window', () => {
    let now = 0;
    const window = new DedupWindow<string>(1000, () => now);
    window.set('a', 'a');
    now = 1000;
    expect(window.get('a')).toBeUndefined();
    expect(window.size).toBe(0);
  });
});

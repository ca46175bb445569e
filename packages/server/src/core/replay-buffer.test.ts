import { describe, expect, it } from 'vitest';
import { ReplayBuffer } from './replay-buffer';

const entry = (seq: number, text = `{"seq":${seq}}`) => ({ seq, type: 'system', text });

describe('ReplayBuffer', () => {
  it('keeps the newest entries within the count bound', () => {
    const buffer = new ReplayBuffer(3, 1_000_000);
    for (let seq = 1; seq <= 5; seq++) buffer.push(entry(seq));
    expect(buffer.since(2)?.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(buffer.since(1)).toBeUndefined();
    expect(buffer.since(5)).toEqual([]);
  });

  it('keeps within the byte bound but never drops the newest entry', () => {
    const buffer = new ReplayBuffer(100, 25);
    buffer.push(entry(1, 'x'.repeat(10)));
    buffer.push(entry(2, 'x'.repeat(10)));
    buffer.push(entry(3, 'x'.repeat(10)));
    expect(buffer.since(1)?.map((e) => e.seq)).toEqual([2, 3]);
    buffer.push(entry(4, 'x'.repeat(100)));
    expect(buffer.since(3)?.map((e) => e.seq)).toEqual([4]);
  });

  it('trims what the client confirmed, and compacts after many drops', () => {
    const buffer = new ReplayBuffer(1000, 1_000_000);
    for (let seq = 1; seq <= 300; seq++) buffer.push(entry(seq));
    buffer.trimThrough(250);
    expect(buffer.size).toBe(50);
    expect(buffer.since(250)?.[0]?.seq).toBe(251);
    expect(buffer.since(249)).toBeUndefined();
  });
});

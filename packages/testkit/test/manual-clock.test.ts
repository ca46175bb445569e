import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/index';

describe('ManualClock', () => {
  it('starts at 2025-01-01 unless told, and moves only when told', () => {
    expect(new Date(new ManualClock().now()).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    const clock = new ManualClock(5_000);
    expect(clock.now()).toBe(5_000);
    clock.advance(250);
    expect(clock.now()).toBe(5_250);
  });

  it('advance fires due timers in time order (ties as set), each at its time, timers they set included', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
    }, 10);
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
    const cancelled = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(cancelled);
    clock.setTimeout(() => fired.push('later'), 31);
    clock.advance(30);
    expect(fired).toEqual(['a@10', 'c@15', 'b@20', 'b2@20']);
    expect(clock.now()).toBe(30);
    expect(clock.pending).toBe(1);
  });

  it('jump moves time without firing anything; runDue then fires what fell due, late', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 1_000);
    clock.jump(60_000);
    expect(fired).toEqual([]);
    clock.runDue();
    expect(fired).toEqual([60_000]);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/helpers/manual-clock';
import { IDLE_RELEASE_MS, PAGE_BYTES, StagingArena } from './staging-arena';

/** A tick that carves `pages` whole pages. */
function tick(arena: StagingArena, pages: number): void {
  for (let i = 0; i < pages; i++) arena.carve(PAGE_BYTES);
  arena.endTick();
}

describe('StagingArena', () => {
  it('keeps a burst’s pages for reuse while ticks come, and lets them go once ticks stop', () => {
    const clock = new ManualClock();
    const arena = new StagingArena(clock);
    tick(arena, 40);
    expect(arena.spareCount).toBe(40);
    // Traffic goes on: the pages stay for the next ticks.
    clock.advance(IDLE_RELEASE_MS - 1);
    tick(arena, 2);
    clock.advance(IDLE_RELEASE_MS - 1);
    expect(arena.spareCount).toBe(40);
    // A whole IDLE_RELEASE_MS without a tick: nothing is kept.
    clock.advance(IDLE_RELEASE_MS);
    expect(arena.spareCount).toBe(0);
    // And the next burst starts from nothing, with its own pages kept again.
    tick(arena, 3);
    expect(arena.spareCount).toBe(3);
  });

  it('without a timer, shrinks only as ticks pass', () => {
    const arena = new StagingArena();
    tick(arena, 10);
    expect(arena.spareCount).toBe(10);
    tick(arena, 0);
    expect(arena.spareCount).toBe(10);
  });
});

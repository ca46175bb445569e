import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/helpers/manual-clock';
import type { ClientConnection } from '../client-connection';
import { IdentifyDeadlines } from './identify-deadlines';

/** Stand-ins: the queue only hands connections back, it never reads them. */
const connection = (name: string) => ({ name }) as unknown as ClientConnection;
const nameOf = (c: ClientConnection) => (c as unknown as { name: string }).name;

function setup(timeoutMs = 1000) {
  const clock = new ClockWithCount();
  const due: string[] = [];
  const deadlines = new IdentifyDeadlines(clock, timeoutMs, (c) => due.push(nameOf(c)));
  return { clock, due, deadlines };
}

/** Counts timers made, to show that one timer serves every connection. */
class ClockWithCount extends ManualClock {
  made = 0;
  override setTimeout(fn: () => void, ms: number): number {
    this.made++;
    return super.setTimeout(fn, ms);
  }
}

describe('IdentifyDeadlines', () => {
  it('hands each connection back exactly at its own deadline, oldest first, with one timer pending at a time', () => {
    const { clock, due, deadlines } = setup(1000);
    deadlines.add(connection('a'));
    clock.advance(300);
    deadlines.add(connection('b'));
    deadlines.add(connection('c'));
    expect(clock.pending).toBe(1);
    clock.advance(699);
    expect(due).toEqual([]);
    clock.advance(1); // a: opened at 0
    expect(due).toEqual(['a']);
    clock.advance(299);
    expect(due).toEqual(['a']);
    clock.advance(1); // b and c: opened at 300
    expect(due).toEqual(['a', 'b', 'c']);
    expect([clock.pending, deadlines.size]).toEqual([0, 0]);
  });

  it('makes one timer per distinct deadline reached, not one per connection', () => {
    const { clock, due, deadlines } = setup(1000);
    for (let i = 0; i < 500; i++) deadlines.add(connection(`c${i}`));
    clock.advance(1000);
    expect(due).toHaveLength(500);
    expect(clock.made).toBe(1);
  });

  it('starts again after emptying, and compacts a long queue as its front expires', () => {
    const { clock, due, deadlines } = setup(10);
    deadlines.add(connection('first'));
    clock.advance(10);
    deadlines.add(connection('again'));
    clock.advance(10);
    expect(due).toEqual(['first', 'again']);
    for (let i = 0; i < 3000; i++) {
      deadlines.add(connection(`n${i}`));
      clock.advance(1);
    }
    expect(deadlines.size).toBe(9); // the last nine are not due yet
    clock.advance(10);
    expect([due.length, deadlines.size]).toEqual([3002, 0]);
  });

  it('forgets everything on stop', () => {
    const { clock, due, deadlines } = setup(1000);
    deadlines.add(connection('a'));
    deadlines.stop();
    clock.advance(5000);
    expect([due, clock.pending, deadlines.size]).toEqual([[], 0, 0]);
  });
});

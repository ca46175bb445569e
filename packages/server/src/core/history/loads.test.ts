import { describe, expect, it } from 'vitest';
import { HistoryLoads } from './loads';

describe('HistoryLoads', () => {
  it('runs one session’s loads one at a time, refuses past the queue, and keeps sessions apart', async () => {
    const loads = new HistoryLoads(2);
    const ann = {};
    const log: string[] = [];
    const gates: Array<() => void> = [];
    const task = (name: string) => () =>
      new Promise<void>((resolve) => {
        log.push(`start ${name}`);
        gates.push(() => {
          log.push(`end ${name}`);
          resolve();
        });
      });
    expect(loads.run(ann, task('a1'))).toBe(true);
    expect(loads.run(ann, task('a2'))).toBe(true);
    expect(loads.run(ann, task('a3'))).toBe(false);
    expect(loads.run({}, task('b1'))).toBe(true);
    await Promise.resolve();
    expect(log).toEqual(['start a1', 'start b1']);
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2']);
    expect(loads.run(ann, task('a3'))).toBe(true);
  });

  it('goes on after a load that fails', async () => {
    const loads = new HistoryLoads();
    const ann = {};
    const ran: string[] = [];
    loads.run(ann, () => Promise.reject(new Error('boom')));
    const second = new Promise<void>((resolve) =>
      loads.run(ann, async () => {
        ran.push('second');
        resolve();
      }),
    );
    await second;
    expect(ran).toEqual(['second']);
  });
});

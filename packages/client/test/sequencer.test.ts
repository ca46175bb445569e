import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sequencer } from '../src/sequencer';

interface Frame {
  readonly seq: number;
}

const feed = (sequencer: Sequencer<Frame>, seq: number) => sequencer.accept({ seq }, seq);
const seqs = (frames: readonly Frame[]) => frames.map((frame) => frame.seq);

describe('Sequencer', () => {
  it('delivers in-order frames at once', () => {
    const sequencer = new Sequencer<Frame>();
    expect(seqs(feed(sequencer, 1).deliver)).toEqual([1]);
    expect(seqs(feed(sequencer, 2).deliver)).toEqual([2]);
    expect(sequencer.last).toBe(2);
  });

  it('drops seqs it has seen, delivered or held', () => {
    const sequencer = new Sequencer<Frame>();
    feed(sequencer, 1);
    expect(feed(sequencer, 1).deliver).toEqual([]);
    feed(sequencer, 3);
    expect(feed(sequencer, 3)).toEqual({ deliver: [] });
  });

  it('reports a gap once and holds later frames until it is filled, then releases them in order', () => {
    const sequencer = new Sequencer<Frame>();
    feed(sequencer, 1);
    expect(feed(sequencer, 4)).toEqual({ deliver: [], gap: { since: 1, seq: 4 } });
    expect(feed(sequencer, 3)).toEqual({ deliver: [] });
    expect(sequencer.holding).toBe(2);
    expect(seqs(feed(sequencer, 2).deliver)).toEqual([2, 3, 4]);
    expect(sequencer.holding).toBe(0);
    expect(feed(sequencer, 6).gap).toEqual({ since: 4, seq: 6 });
  });

  it('skips one gap the server cannot fill at a time, releasing held frames up to the next gap', () => {
    const sequencer = new Sequencer<Frame>();
    feed(sequencer, 1);
    feed(sequencer, 6);
    feed(sequencer, 3);
    feed(sequencer, 4);
    const first = sequencer.skip();
    expect(seqs(first.deliver)).toEqual([3, 4]);
    expect(first.gap).toEqual({ since: 4, seq: 6 });
    expect(sequencer.last).toBe(4);
    const second = sequencer.skip();
    expect(seqs(second.deliver)).toEqual([6]);
    expect(second.gap).toBeUndefined();
    expect(sequencer.last).toBe(6);
    expect(sequencer.skip()).toEqual({ deliver: [] });
    expect(seqs(feed(sequencer, 7).deliver)).toEqual([7]);
    expect(feed(sequencer, 9).gap).toEqual({ since: 7, seq: 9 });
  });

  it('delivers every seq exactly once and in order, whatever the arrival order and duplicates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray(
              [...Array(n).keys()].map((i) => i + 1),
              { minLength: n, maxLength: n },
            ),
            fc.array(fc.integer({ min: 1, max: n })),
          ),
        ),
        ([n, order, duplicates]) => {
          const sequencer = new Sequencer<Frame>();
          const delivered: number[] = [];
          for (const seq of [...order, ...duplicates]) delivered.push(...seqs(feed(sequencer, seq).deliver));
          expect(delivered).toEqual([...Array(n).keys()].map((i) => i + 1));
          expect(sequencer.holding).toBe(0);
        },
      ),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { readAsk, readOffer, readRing, ringParts } from './messages';

describe('ring parts', () => {
  const dispatch = (n: number, size: number) => [`t${n}`, 'x'.repeat(size)] as const;

  it('keeps each part within the bound, in order, the last one marked', () => {
    const dispatches = [dispatch(1, 40), dispatch(2, 40), dispatch(3, 40), dispatch(4, 90), dispatch(5, 10)];
    const parts = ringParts('k', dispatches, 100);
    expect(parts.map((part) => part.dispatches.map(([type]) => type))).toEqual([['t1', 't2'], ['t3'], ['t4', 't5']]);
    expect(parts.map((part) => part.last)).toEqual([false, false, true]);
  });

  it('sends a dispatch larger than the bound alone, and an empty ring as one last part', () => {
    expect(ringParts('k', [dispatch(1, 500), dispatch(2, 1)], 100).map((part) => part.dispatches.length)).toEqual([
      1, 1,
    ]);
    expect(ringParts('k', [], 100)).toEqual([{ token: 'k', dispatches: [], last: true }]);
  });
});

describe('reading what another instance said', () => {
  it('takes only well-formed words', () => {
    expect(readAsk({ token: 't', from: 'gw', session_id: 's', seq: 3, user_id: 'u' })).toBeDefined();
    expect(readAsk({ token: 't', from: 'gw', session_id: 's', seq: -1, user_id: 'u' })).toBeUndefined();
    expect(readAsk({ token: 't', from: 'gw', session_id: 's', seq: 1.5, user_id: 'u' })).toBeUndefined();
    expect(readOffer({ rooms: ['a'], status: 'dnd', data: { x: 1 } })).toEqual({
      rooms: ['a'],
      status: 'dnd',
      data: { x: 1 },
    });
    expect(readOffer({ rooms: ['a'], status: 'asleep' })).toBeUndefined();
    expect(readOffer({ rooms: [1], status: 'online' })).toBeUndefined();
    expect(readOffer({ rooms: [], status: 'online', data: [1] })).toBeUndefined();
    expect(readRing({ token: 't', dispatches: [['a', 'b']], last: true })).toBeDefined();
    expect(readRing({ token: 't', dispatches: [['a']], last: true })).toBeUndefined();
    expect(readRing({ token: 't', dispatches: [['a', 2]], last: false })).toBeUndefined();
  });
});

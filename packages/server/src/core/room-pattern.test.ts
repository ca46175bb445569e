import { describe, expect, it } from 'vitest';
import { roomMatcher } from './room-pattern';

describe('roomMatcher', () => {
  it('matches ids exactly, `*` as any run of characters, and regular expressions', () => {
    const matches = roomMatcher(['lobby', 'live:*', 'guild:*:voice', /^stage-\d+$/]);
    expect(['lobby', 'live:', 'live:cats', 'guild:7:voice', 'stage-12'].map(matches)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['lobby2', 'xlive:cats', 'guild:7:text', 'stage-x', 'Live:cats'].map(matches)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('takes the other characters of a glob literally, across lines too', () => {
    const matches = roomMatcher(['a.b*(c)']);
    expect(matches('a.b(c)')).toBe(true);
    expect(matches('a.bzz\n(c)')).toBe(true);
    expect(matches('axb(c)')).toBe(false);
  });

  it('gives a global or sticky expression the same answer every time', () => {
    const matches = roomMatcher([/^room-/g, /x/y]);
    expect([matches('room-1'), matches('room-1'), matches('room-2')]).toEqual([true, true, true]);
  });

  it('matches nothing without patterns', () => {
    expect(roomMatcher([])('anything')).toBe(false);
  });
});

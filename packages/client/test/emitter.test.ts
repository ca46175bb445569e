import { describe, expect, it } from 'vitest';
import { Emitter } from '../src/emitter';

type Events = { tick: [number]; pair: [string, boolean] };

const record = () => {
  const emitter = new Emitter<Events>();
  const calls: string[] = [];
  return { emitter, calls };
};

describe('Emitter (the client’s eventemitter3-compatible emitter)', () => {
  it('calls listeners in the order they were added, with every argument, and says whether anyone listened', () => {
    const { emitter, calls } = record();
    emitter.on('pair', (text, flag) => calls.push(`a:${text}:${flag}`));
    emitter.addListener('pair', (text) => calls.push(`b:${text}`));
    expect(emitter.emit('pair', 'x', true)).toBe(true);
    expect(emitter.emit('tick', 1)).toBe(false);
    expect(calls).toEqual(['a:x:true', 'b:x']);
  });

  it('runs a once listener a single time, removed before it runs (so a re-entrant emit does not call it again)', () => {
    const { emitter, calls } = record();
    emitter.once('tick', (n) => {
      calls.push(`once:${n}`);
      emitter.emit('tick', n + 1);
    });
    emitter.on('tick', (n) => calls.push(`on:${n}`));
    emitter.emit('tick', 1);
    emitter.emit('tick', 10);
    expect(calls).toEqual(['once:1', 'on:2', 'on:1', 'on:10']);
    expect(emitter.listenerCount('tick')).toBe(1);
  });

  it('takes a snapshot per emit: a listener added meanwhile waits, one removed meanwhile still runs', () => {
    const { emitter, calls } = record();
    const late = (n: number) => calls.push(`late:${n}`);
    const second = (n: number) => calls.push(`second:${n}`);
    emitter.on('tick', (n) => {
      calls.push(`first:${n}`);
      emitter.off('tick', second);
      emitter.on('tick', late);
    });
    emitter.on('tick', second);
    emitter.emit('tick', 1);
    expect(calls).toEqual(['first:1', 'second:1']);
  });

  it('off removes every registration of a listener, or all of an event without one; removeAllListeners empties', () => {
    const { emitter, calls } = record();
    const listener = (n: number) => calls.push(`l:${n}`);
    emitter.on('tick', listener).on('tick', listener).once('tick', listener);
    emitter.on('pair', () => calls.push('pair'));
    expect(emitter.listeners('tick')).toEqual([listener, listener, listener]);
    emitter.removeListener('tick', listener);
    expect(emitter.emit('tick', 1)).toBe(false);
    expect(emitter.eventNames()).toEqual(['pair']);
    emitter.on('tick', listener);
    emitter.off('tick');
    expect(emitter.listenerCount('tick')).toBe(0);
    emitter.on('tick', listener);
    emitter.removeAllListeners();
    expect(emitter.eventNames()).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('lets a listener’s throw reach the emitter, and refuses a listener that is not a function', () => {
    const { emitter } = record();
    emitter.on('tick', () => {
      throw new Error('boom');
    });
    expect(() => emitter.emit('tick', 1)).toThrow('boom');
    expect(() => emitter.on('tick', 'nope' as unknown as () => void)).toThrow(TypeError);
  });
});

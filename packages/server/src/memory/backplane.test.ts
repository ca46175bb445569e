import { describe, expect, it } from 'vitest';
import type { BackplaneMessage, Channel } from '../core/ports/backplane';
import { InMemoryBackplane } from './backplane';

const message = (type: string): BackplaneMessage => ({ type, body: '', sequenced: false });

describe('InMemoryBackplane', () => {
  it('delivers a publish made during a delivery after it, so every listener sees one order', () => {
    const backplane = new InMemoryBackplane({ now: () => 0 });
    const seen: Record<string, string[]> = { first: [], second: [] };
    let reacted = false;
    const first = backplane.connect((_channel: Channel, received) => {
      seen.first?.push(received.type);
      // The first listener answers the first message at once, as a gateway whose session ends on it would.
      if (!reacted) {
        reacted = true;
        first.publish('room:r', message('answer'));
      }
    });
    const second = backplane.connect((_channel: Channel, received) => seen.second?.push(received.type));
    first.subscribe('room:r');
    second.subscribe('room:r');
    first.publish('room:r', message('question'));
    expect(seen).toEqual({ first: ['question', 'answer'], second: ['question', 'answer'] });
  });

  it('gives a message to every listener even when one throws, tells the publisher, and goes on', () => {
    const backplane = new InMemoryBackplane({ now: () => 0 });
    const seen: string[] = [];
    const failing = backplane.connect((_channel, received) => {
      if (received.type === 'hello') throw new Error('listener failed');
    });
    const healthy = backplane.connect((_channel, received) => seen.push(received.type));
    failing.subscribe('all');
    healthy.subscribe('all');
    expect(() => healthy.publish('all', message('hello'))).toThrow('listener failed');
    expect(seen).toEqual(['hello']);
    healthy.publish('all', message('again'));
    expect(seen).toEqual(['hello', 'again']);
  });
});

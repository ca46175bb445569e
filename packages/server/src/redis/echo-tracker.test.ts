import { describe, expect, it } from 'vitest';
import type { Channel } from '../core/ports/backplane';
import { EchoTracker, type QueuedMessage } from './echo-tracker';

const room: Channel = 'room:r';
const msg = (n: number) => ({ type: 'chat.message', body: `"n":${n}}`, sequenced: true });
const ns = (messages: readonly QueuedMessage[]) => messages.map((m) => Number(m.message.body.slice(4, -1)));

describe('EchoTracker', () => {
  it('keeps local deliveries behind earlier publishes still awaiting their echo', () => {
    const echoes = new EchoTracker('t');
    const a = echoes.expect(room, msg(1));
    const b = echoes.expect(room, msg(2));
    expect(echoes.local(room, msg(3))).toEqual([]);
    // b's echo came: a (before it, on the same connections) never will.
    const heard = echoes.heard(b);
    expect(heard.drop).toBe(false);
    if (heard.drop) return;
    expect(ns(heard.before)).toEqual([1]);
    expect(ns(heard.after)).toEqual([3]);
    expect(echoes.size).toBe(0);
    // a's echo arriving after all (it cannot, but if it did) is delivered as anyone else's.
    expect(echoes.heard(a)).toEqual({ drop: false, before: [], after: [] });
    expect(ns(echoes.local(room, msg(4)))).toEqual([4]);
  });

  it('delivers a never-written publish in its turn, and a declined one not at all', () => {
    const echoes = new EchoTracker('t');
    const a = echoes.expect(room, msg(1));
    const b = echoes.expect(room, msg(2));
    const c = echoes.expect(room, msg(3));
    expect(echoes.deliverHere(b)).toEqual([]);
    expect(ns(echoes.cancel(a))).toEqual([2]);
    expect(ns(echoes.deliverHere(c))).toEqual([3]);
    expect(echoes.size).toBe(0);
  });

  it('abandons up to an id in order and drops the late echoes of everything it handed out', () => {
    const echoes = new EchoTracker('t');
    const a = echoes.expect(room, msg(1));
    const b = echoes.expect(room, msg(2));
    echoes.local(room, msg(3));
    const d = echoes.expect(room, msg(4));
    expect(ns(echoes.abandon(b))).toEqual([1, 2, 3]);
    expect(echoes.heard(a)).toEqual({ drop: true });
    expect(echoes.heard(b)).toEqual({ drop: true });
    expect(ns(echoes.takeAll())).toEqual([4]);
    expect(echoes.heard(d)).toEqual({ drop: false, before: [], after: [] });
  });

  it('forgets a channel no one here receives any more, releasing what waited behind it', () => {
    const echoes = new EchoTracker('t');
    echoes.expect('room:gone', msg(1));
    echoes.local(room, msg(2));
    expect(ns(echoes.forgetChannel('room:gone'))).toEqual([2]);
    expect(echoes.size).toBe(0);
  });
});

describe('EchoTracker, publishes a once-key may decline', () => {
  const once = (n: number) => ({ ...msg(n), once: { key: `m${n}`, ttlMs: 60_000 } });

  it('does not deliver a declined publish that a later echo passed before its reply came', () => {
    const echoes = new EchoTracker('t');
    const retry = echoes.expect(room, once(1));
    const next = echoes.expect(room, msg(2));
    // The later publish's echo overtakes the retry's reply (two connections): Redis ran the retry and did
    // not publish it, so it is not "lost in the echo" and must not be delivered here.
    const heard = echoes.heard(next);
    expect(heard.drop === false && ns(heard.before)).toEqual([]);
    expect(echoes.idle).toBe(false);
    expect(echoes.cancel(retry)).toEqual([]);
    expect(echoes.idle).toBe(true);
  });

  it('delivers it here when its reply says the publish failed instead', () => {
    const echoes = new EchoTracker('t');
    const failed = echoes.expect(room, once(1));
    echoes.heard(echoes.expect(room, msg(2)));
    expect(ns(echoes.deliverHere(failed))).toEqual([1]);
    expect(echoes.idle).toBe(true);
  });

  it('forgets it when its reply says it was published after all', () => {
    const echoes = new EchoTracker('t');
    const sent = echoes.expect(room, once(1));
    echoes.heard(echoes.expect(room, msg(2)));
    echoes.published(sent);
    expect(echoes.idle).toBe(true);
  });
});

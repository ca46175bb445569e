import { describe, expect, it } from 'vitest';
import type { BackplaneMessage, Channel } from '../core/ports/backplane';
import { EchoLanes } from './echo-lanes';
import type { QueuedMessage } from './echo-tracker';

const one: Channel = 'room:one';
const two: Channel = 'room:two';
const msg = (n: number): BackplaneMessage => ({ type: 'chat.message', body: `"n":${n}}`, sequenced: true });
const ns = (messages: readonly QueuedMessage[]) => messages.map((m) => Number(m.message.body.slice(4, -1)));

describe('EchoLanes', () => {
  it('on one server, an echo on any channel says every earlier publish will never echo', () => {
    const lanes = new EchoLanes('t', false);
    lanes.expect(one, msg(1));
    const b = lanes.expect(two, msg(2));
    const heard = lanes.heard(two, b);
    expect(heard.drop === false && ns(heard.before)).toEqual([1]);
    expect(lanes.size).toBe(0);
  });

  it('on a cluster, an echo on one channel leaves publishes awaited on another alone', () => {
    const lanes = new EchoLanes('t', true);
    const a = lanes.expect(one, msg(1));
    const b = lanes.expect(two, msg(2));
    // Channel two's node answered first; channel one's echo is still on its way from another node.
    const heardB = lanes.heard(two, b);
    expect(heardB.drop === false && ns(heardB.before)).toEqual([]);
    expect(lanes.size).toBe(1);
    // A local delivery on channel one still waits behind its awaited publish; on channel two it goes at once.
    expect(lanes.local(one, msg(3))).toEqual([]);
    expect(ns(lanes.local(two, msg(4)))).toEqual([4]);
    const heardA = lanes.heard(one, a);
    expect(heardA.drop === false && ns(heardA.after)).toEqual([3]);
    expect(lanes.size).toBe(0);
  });

  it('drops the late echo of a publish it gave up on, even after its channel went quiet', () => {
    const lanes = new EchoLanes('t', true);
    const a = lanes.expect(one, msg(1));
    expect(ns(lanes.abandon(one, a))).toEqual([1]);
    expect(lanes.heard(one, a)).toEqual({ drop: true });
    // Once that is settled the lane is forgotten; ids of a new lane never repeat the old one's.
    const again = lanes.expect(one, msg(2));
    expect(again).not.toBe(a);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePositions } from '../../src/cluster/resume/positions';
import { MARKER_TYPE, type NumberedDispatch, pickAnchor, rebuildDispatches } from '../../src/cluster/resume/rebuild';
import type { BackplaneMessage } from '../../src/core/ports/backplane';
import type { Anchor, ChannelSpan, StreamEntry } from '../../src/core/ports/session-store';

const message = (type: string, exclude?: BackplaneMessage['exclude']): BackplaneMessage => ({
  type,
  body: `"type":"${type}","payload":{}}`,
  sequenced: true,
  ...(exclude === undefined ? {} : { exclude }),
});

describe('stream positions', () => {
  it('order by number, part by part', () => {
    expect(comparePositions('9-0', '10-0')).toBeLessThan(0);
    expect(comparePositions('10-2', '10-10')).toBeLessThan(0);
    expect(comparePositions('10-10', '10-10')).toBe(0);
    expect(comparePositions('11-0', '10-99')).toBeGreaterThan(0);
  });
});

describe('rebuildDispatches', () => {
  const entries: StreamEntry[] = [
    { id: '1-0', channel: 'room:a', message: message('m1') },
    { id: '2-0', channel: 'room:b', message: message('m2') },
    { id: '3-0', channel: 'room:a', message: message('m3', { users: ['u'] }) },
    { id: '4-0', channel: 'node:x', message: message(MARKER_TYPE) },
    { id: '5-0', channel: 'room:a', message: message('m5', { sessions: ['s'] }) },
    { id: '6-0', channel: 'user:u', message: message('m6') },
    { id: '7-0', channel: 'room:a', message: message('m7') },
    { id: '8-0', channel: 'room:b', message: message('m8') },
  ];

  it('numbers on from the anchor what the delivery rule lets through: channel, span, exclusions; no markers', () => {
    const channels: Record<string, ChannelSpan> = {
      'room:a': { from: '0-0' },
      'user:u': { from: '0-0' },
      'room:b': { from: '0-0', to: '2-0' },
    };
    const got = rebuildDispatches(entries, channels, { seq: 10, pos: '0-5' }, 's', 'u');
    expect(got.map((d) => [d.seq, d.message.type])).toEqual([
      [11, 'm1'],
      [12, 'm2'],
      [13, 'm6'],
      [14, 'm7'],
    ]);
    expect(rebuildDispatches(entries, channels, { seq: 13, pos: '6-0' }, 's', 'u').map((d) => d.seq)).toEqual([14]);
  });

  it('leaves out what came before a channel reached the session', () => {
    const got = rebuildDispatches(entries, { 'room:a': { from: '5-0' } }, { seq: 0, pos: '0-0' }, 's', 'u');
    expect(got.map((d) => d.message.type)).toEqual(['m7']);
  });

  it('picks the newest anchor at or before the client seq', () => {
    const anchors: Anchor[] = [
      { seq: 3, pos: '1-0' },
      { seq: 7, pos: '2-0' },
      { seq: 9, pos: '3-0' },
    ];
    expect(pickAnchor(anchors, 8)).toEqual({ seq: 7, pos: '2-0' });
    expect(pickAnchor(anchors, 9)).toEqual({ seq: 9, pos: '3-0' });
    expect(pickAnchor(anchors, 2)).toBeUndefined();
  });
});

/**
 * A live session as its holder runs it (the rules of sessions/anywhere.ts): it numbers what reaches it in
 * stream order; a subscribe ends the stretch and the next marker starts one (every channel from there); an
 * unsubscribe ends the room's span at the current position; anchors are {seq, position} at any moment.
 */
type Command =
  | { kind: 'publish'; channel: string; sequenced: boolean; excludeUser: boolean; excludeSelf: boolean; tick: boolean }
  | { kind: 'subscribe'; room: string }
  | { kind: 'unsubscribe'; room: string }
  | { kind: 'marker' }
  | { kind: 'anchor' };

const rooms = ['a', 'b', 'c'];
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('publish' as const),
      channel: fc.constantFrom('all', 'user:u', 'user:v', 'room:a', 'room:b', 'room:c', 'node:x'),
      sequenced: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
      excludeUser: fc.boolean(),
      excludeSelf: fc.boolean(),
      tick: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('subscribe' as const), room: fc.constantFrom(...rooms) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unsubscribe' as const), room: fc.constantFrom(...rooms) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('marker' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('anchor' as const) }) },
);

function simulate(commands: readonly Command[]) {
  const entries: StreamEntry[] = [];
  const live: NumberedDispatch[] = [];
  const active = new Set<string>(['all', 'user:u', 'room:a']);
  let ms = 1700000000000;
  let sub = 0;
  let seq = 0;
  let position: string | undefined;
  let rebase = true;
  let channels: Map<string, ChannelSpan> | undefined;
  let anchors: Anchor[] = [];
  const append = (channel: string, msg: BackplaneMessage, tick: boolean): string => {
    if (tick) {
      ms += 1;
      sub = 0;
    } else sub += 1;
    const id = `${ms}-${sub}`;
    entries.push({ id, channel, message: msg });
    position = id;
    return id;
  };
  for (const c of commands) {
    switch (c.kind) {
      case 'publish': {
        const exclude = {
          ...(c.excludeUser ? { users: ['u'] } : {}),
          ...(c.excludeSelf ? { sessions: ['s'] } : {}),
        };
        const msg = { ...message(`m${entries.length}`, exclude), sequenced: c.sequenced };
        // Ephemeral frames are plain publishes: never in the stream, never numbered.
        if (!c.sequenced) break;
        append(c.channel, msg, c.tick);
        if (active.has(c.channel) && !c.excludeUser && !c.excludeSelf) live.push({ seq: ++seq, message: msg });
        break;
      }
      case 'subscribe':
        if (active.has(`room:${c.room}`)) break;
        active.add(`room:${c.room}`);
        rebase = true;
        channels = undefined;
        anchors = [];
        break;
      case 'unsubscribe': {
        const channel = `room:${c.room}`;
        if (!active.delete(channel)) break;
        const span = channels?.get(channel);
        if (channels !== undefined && span !== undefined && position !== undefined) {
          channels.set(channel, { from: span.from, to: position });
          anchors.push({ seq, pos: position });
        }
        break;
      }
      case 'marker': {
        const id = append('node:x', message(MARKER_TYPE), true);
        if (rebase) {
          rebase = false;
          channels = new Map([...active].map((channel) => [channel, { from: id }]));
          anchors = [{ seq, pos: id }];
        }
        break;
      }
      case 'anchor':
        if (channels !== undefined && position !== undefined) anchors.push({ seq, pos: position });
        break;
    }
  }
  return { entries, live, channels, anchors };
}

describe('rebuildDispatches against a live session', () => {
  it('gives every anchor exactly the dispatches, with the seqs, the live session numbered after it', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 120 }), (commands) => {
        const { entries, live, channels, anchors } = simulate([{ kind: 'marker' }, ...commands]);
        if (channels === undefined) return;
        const spans = Object.fromEntries(channels);
        for (const anchor of anchors) {
          const rebuilt = rebuildDispatches(entries, spans, anchor, 's', 'u');
          expect(rebuilt).toEqual(live.filter((d) => d.seq > anchor.seq));
        }
      }),
      { numRuns: 500 },
    );
  });
});

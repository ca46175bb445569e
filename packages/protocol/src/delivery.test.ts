import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDispatchType, prepareDispatch, REPLY_TYPES, sequenceDispatch, UNSEQUENCED_SERVER_TYPES } from './delivery';
import { serverFrameSchemas } from './unions';

describe('isDispatchType', () => {
  it.each([...UNSEQUENCED_SERVER_TYPES])('%s is not a dispatch', (type) => {
    expect(isDispatchType(type)).toBe(false);
  });

  it.each(['chat.message', 'chat.stream_chunk', 'presence.diff', 'recording.event', 'guild.create', 'system'])(
    '%s is a dispatch',
    (type) => {
      expect(isDispatchType(type)).toBe(true);
    },
  );

  it('treats custom types as dispatches (an ephemeral custom event decides for itself)', () => {
    expect(isDispatchType('app.score')).toBe(true);
  });

  it('keeps typing ephemeral, as DESIGN.md requires', () => {
    expect(UNSEQUENCED_SERVER_TYPES).toEqual(expect.arrayContaining(['typing.start', 'typing.stop', 'ack', 'error']));
  });

  it('lists only server frame types', () => {
    for (const type of [...UNSEQUENCED_SERVER_TYPES, ...REPLY_TYPES]) expect(serverFrameSchemas).toHaveProperty([type]);
  });

  it('never sequences a reply', () => {
    for (const type of REPLY_TYPES) expect(isDispatchType(type)).toBe(false);
  });
});

describe('prepareDispatch and sequenceDispatch', () => {
  it('splices the seq in front of the shared body', () => {
    const prepared = prepareDispatch('chat.message', { content: 'hi' });
    expect(sequenceDispatch(prepared, 7)).toBe('{"seq":7,"type":"chat.message","payload":{"content":"hi"}}');
    expect(prepared.type).toBe('chat.message');
  });

  it('leaves out an undefined payload, as JSON.stringify does', () => {
    expect(JSON.parse(sequenceDispatch(prepareDispatch('system', undefined), 1))).toEqual({ seq: 1, type: 'system' });
  });

  it('yields {seq, type, payload} for any JSON payload and seq (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.jsonValue(),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (type, payload, seq) => {
          const text = sequenceDispatch(prepareDispatch(type, payload), seq);
          // `jsonValue` may hold -0, which JSON turns into 0: compare with what JSON itself makes of it.
          expect(JSON.parse(text)).toEqual({ seq, type, payload: JSON.parse(JSON.stringify(payload)) });
        },
      ),
    );
  });

  it('shares one body across recipients with different seqs (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.uniqueArray(fc.nat(), { minLength: 2, maxLength: 5 }), (payload, seqs) => {
        const prepared = prepareDispatch('chat.message', payload);
        const bodies = seqs.map((seq) => sequenceDispatch(prepared, seq).replace(/^\{"seq":\d+,/, ''));
        return new Set(bodies).size === 1;
      }),
    );
  });
});

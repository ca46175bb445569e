import { describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod/mini';
import { createClientFrameDecoder, createServerFrameDecoder } from './codec';
import { type CustomClientPayloads, type CustomServerPayloads, defineEvent } from './custom-events';
import { clientFrameSchemas, serverFrameSchemas } from './unions';

const GameMove = defineEvent('game.move', z.object({ x: z.int(), y: z.int() }), { direction: 'client' });
const GameScore = defineEvent('game.score', z.object({ score: z.number() }), { direction: 'server' });
const CursorMove = defineEvent('app.cursor_move', z.object({ x: z.number() }), { ephemeral: true });

describe('defineEvent names', () => {
  it.each(['app.ping', 'game.move', 'app.cursor_move', 'a.b.c', 'v2.thing9'])('accepts %s', (name) => {
    expect(defineEvent(name, z.object({})).name).toBe(name);
  });

  it.each([
    ['no dot', 'ping'],
    ['upper case', 'App.Ping'],
    ['leading digit', '1app.ping'],
    ['empty segment', 'app..ping'],
    ['trailing dot', 'app.'],
    ['dash', 'app.my-event'],
    ['space', 'app.my event'],
    ['empty', ''],
  ])('refuses a name with %s', (_reason, name) => {
    expect(() => defineEvent(name, z.object({}))).toThrow(/lowercase and dotted/);
  });

  it.each(
    [...new Set([...Object.keys(clientFrameSchemas), ...Object.keys(serverFrameSchemas)])].filter((name) =>
      name.includes('.'),
    ),
  )('refuses the built-in type %s', (name) => {
    expect(() => defineEvent(name, z.object({}))).toThrow(/built-in/);
  });

  it.each(['chat.reaction', 'guild.ban', 'presence.custom', 'voice.mute'])(
    'refuses %s, a new name inside a built-in family that later versions may fill',
    (name) => {
      expect(() => defineEvent(name, z.object({}))).toThrow(/built-in ".+\." family/);
    },
  );

  it('accepts a family of its own', () => {
    expect(defineEvent('game.move', z.object({})).name).toBe('game.move');
  });
});

describe('defineEvent defaults', () => {
  it('is sent both ways and sequenced unless told otherwise', () => {
    const event = defineEvent('app.note', z.object({ text: z.string() }));
    expect(event.direction).toBe('both');
    expect(event.ephemeral).toBe(false);
  });

  it('keeps the options given', () => {
    expect(GameMove.direction).toBe('client');
    expect(CursorMove.ephemeral).toBe(true);
  });
});

describe('decoders with custom events', () => {
  const events = [GameMove, GameScore, CursorMove] as const;
  const clientDecoder = createClientFrameDecoder(events);
  const serverDecoder = createServerFrameDecoder(events);

  it('accept a valid custom frame in its direction', () => {
    expect(clientDecoder.decode('{"type":"game.move","payload":{"x":1,"y":2},"ref":"r1"}')).toEqual({
      ok: true,
      frame: { type: 'game.move', payload: { x: 1, y: 2 }, ref: 'r1' },
    });
    expect(serverDecoder.decode('{"type":"game.score","seq":4,"payload":{"score":10}}')).toEqual({
      ok: true,
      frame: { type: 'game.score', seq: 4, payload: { score: 10 } },
    });
  });

  it('validate the payload with the event schema, naming the path and echoing the ref', () => {
    const result = clientDecoder.decode('{"type":"game.move","payload":{"x":1.5,"y":2},"ref":"r1"}');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ code: 'invalid_frame', type: 'game.move', ref: 'r1' });
      expect(result.error.issues?.[0]?.path).toBe('payload.x');
    }
  });

  it('respect the direction', () => {
    expect(clientDecoder.knows('game.move')).toBe(true);
    expect(clientDecoder.knows('game.score')).toBe(false);
    expect(serverDecoder.knows('game.score')).toBe(true);
    expect(serverDecoder.knows('game.move')).toBe(false);
    const wrongWay = serverDecoder.decode('{"type":"game.move","payload":{"x":1,"y":2}}');
    expect(wrongWay.ok ? undefined : wrongWay.error.code).toBe('unknown_type');
  });

  it('accept a both-ways event in either direction', () => {
    expect(clientDecoder.knows('app.cursor_move')).toBe(true);
    expect(serverDecoder.knows('app.cursor_move')).toBe(true);
  });

  it('still decode the built-in frames', () => {
    expect(clientDecoder.decode('{"type":"heartbeat"}')).toEqual({ ok: true, frame: { type: 'heartbeat' } });
  });

  it('leave the default decoders untouched', () => {
    expect(createClientFrameDecoder().knows('game.move')).toBe(false);
  });
});

describe('custom payload types', () => {
  it('split events by direction', () => {
    type Events = [typeof GameMove, typeof GameScore, typeof CursorMove];
    expectTypeOf<CustomClientPayloads<Events>>().toEqualTypeOf<{
      'game.move': { x: number; y: number };
      'app.cursor_move': { x: number };
    }>();
    expectTypeOf<CustomServerPayloads<Events>>().toEqualTypeOf<{
      'game.score': { score: number };
      'app.cursor_move': { x: number };
    }>();
  });
});

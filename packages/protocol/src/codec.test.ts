import { describe, expect, it } from 'vitest';
import {
  createClientFrameDecoder,
  createServerFrameDecoder,
  type DecodeResult,
  parseClientFrame,
  parseServerFrame,
  serializeFrame,
} from './codec';
import { clientSamples, serverSamples } from './testing/frame-samples';
import { clientFrameSchemas, serverFrameSchemas } from './unions';

function textOf(frame: { readonly type: string }): string {
  const serialized = serializeFrame(frame);
  if (!serialized.ok) throw serialized.error;
  return serialized.text;
}

function errorOf<F>(result: DecodeResult<F>) {
  if (result.ok) throw new Error(`expected a decode error, got ${JSON.stringify(result.frame)}`);
  return result.error;
}

describe('parseClientFrame', () => {
  it('accepts a heartbeat without payload', () => {
    expect(parseClientFrame('{"type":"heartbeat"}')).toEqual({ ok: true, frame: { type: 'heartbeat' } });
  });
});

describe('frame samples', () => {
  it('cover every client frame type', () => {
    expect(Object.keys(clientSamples).sort()).toEqual(Object.keys(clientFrameSchemas).sort());
  });

  it('cover every server frame type', () => {
    expect(Object.keys(serverSamples).sort()).toEqual(Object.keys(serverFrameSchemas).sort());
  });
});

describe('round trip through serializeFrame and parse', () => {
  it.each(Object.values(clientSamples))('client $type', (frame) => {
    expect(parseClientFrame(textOf(frame))).toEqual({ ok: true, frame });
  });

  it.each(Object.values(serverSamples))('server $type', (frame) => {
    expect(parseServerFrame(textOf(frame))).toEqual({ ok: true, frame });
  });
});

describe('direction', () => {
  it('refuses a server-only type from a client', () => {
    expect(errorOf(parseClientFrame(textOf(serverSamples['chat.message'])))).toMatchObject({
      code: 'unknown_type',
      type: 'chat.message',
    });
  });

  it('refuses a client-only type from a server', () => {
    expect(errorOf(parseServerFrame(textOf(clientSamples['chat.send'])))).toMatchObject({
      code: 'unknown_type',
      type: 'chat.send',
      ref: 'r6',
    });
  });

  it('reads a shared type name with the schema of the receiving direction', () => {
    // `typing.start` from a client names only the room; from a server it also names the typist.
    expect(parseClientFrame('{"type":"typing.start","payload":{"room_id":"r"}}').ok).toBe(true);
    expect(errorOf(parseServerFrame('{"type":"typing.start","payload":{"room_id":"r"}}')).code).toBe('invalid_frame');
  });
});

describe('bad input', () => {
  it.each([
    ['empty text', ''],
    ['truncated object', '{"type":"heartbeat"'],
    ['single quotes', "{'type':'heartbeat'}"],
    ['trailing garbage', '{"type":"heartbeat"} x'],
  ])('invalid JSON: %s', (_name, text) => {
    expect(errorOf(parseClientFrame(text))).toEqual({ code: 'invalid_json', message: 'The frame is not valid JSON.' });
  });

  it.each([
    ['a number', '42'],
    ['a string', '"heartbeat"'],
    ['null', 'null'],
    ['an array', '[{"type":"heartbeat"}]'],
    ['true', 'true'],
  ])('non-object (%s) is invalid_frame', (_name, text) => {
    expect(errorOf(parseClientFrame(text))).toEqual({
      code: 'invalid_frame',
      message: 'A frame must be a JSON object.',
    });
  });

  it.each([
    ['missing type', '{"payload":{}}'],
    ['numeric type', '{"type":7}'],
    ['null type', '{"type":null}'],
    ['object type', '{"type":{"name":"heartbeat"}}'],
  ])('%s is invalid_frame', (_name, text) => {
    const error = errorOf(parseClientFrame(text));
    expect(error.code).toBe('invalid_frame');
    expect(error.message).toBe('A frame needs a string `type`.');
    expect(error.type).toBeUndefined();
  });

  it('echoes the ref of a frame without a type', () => {
    expect(errorOf(parseClientFrame('{"ref":"r1"}'))).toMatchObject({ code: 'invalid_frame', ref: 'r1' });
  });

  it('names an unknown type and echoes the ref', () => {
    expect(errorOf(parseClientFrame('{"type":"nope","ref":"r1"}'))).toEqual({
      code: 'unknown_type',
      message: 'Unknown frame type "nope".',
      type: 'nope',
      ref: 'r1',
    });
  });

  it('cuts a long unknown type to 64 characters', () => {
    const error = errorOf(parseClientFrame(JSON.stringify({ type: 'x'.repeat(1000) })));
    expect(error.type).toBe('x'.repeat(64));
    expect(error.message.length).toBeLessThan(100);
  });

  it.each([
    ['missing payload', { type: 'chat.send', ref: 'r1' }, 'payload'],
    [
      'missing field',
      { type: 'chat.send', ref: 'r1', payload: { room_id: 'a', content: 'x' } },
      'payload.client_msg_id',
    ],
    [
      'empty content',
      { type: 'chat.send', ref: 'r1', payload: { room_id: 'a', client_msg_id: 'c', content: '' } },
      'payload.content',
    ],
    [
      'content over 8192',
      { type: 'chat.send', ref: 'r1', payload: { room_id: 'a', client_msg_id: 'c', content: 'x'.repeat(8193) } },
      'payload.content',
    ],
    ['empty room list', { type: 'subscribe', ref: 'r1', payload: { room_ids: [] } }, 'payload.room_ids'],
    [
      '101 rooms',
      { type: 'subscribe', ref: 'r1', payload: { room_ids: Array.from({ length: 101 }, (_, i) => `r${i}`) } },
      'payload.room_ids',
    ],
    ['empty room id', { type: 'subscribe', ref: 'r1', payload: { room_ids: ['ok', ''] } }, 'payload.room_ids.1'],
    ['room id over 128', { type: 'typing.start', ref: 'r1', payload: { room_id: 'x'.repeat(129) } }, 'payload.room_id'],
    ['unknown status', { type: 'presence.update', ref: 'r1', payload: { status: 'away' } }, 'payload.status'],
    ['negative seq', { type: 'heartbeat', ref: 'r1', payload: { last_seq: -1 } }, 'payload.last_seq'],
    ['fractional seq', { type: 'replay', ref: 'r1', payload: { since: 1.5 } }, 'payload.since'],
    ['string seq', { type: 'resume', ref: 'r1', payload: { session_id: 's', seq: '3' } }, 'payload.seq'],
    ['envelope seq', { type: 'heartbeat', ref: 'r1', seq: 'one' }, 'seq'],
    [
      'unknown kind',
      { type: 'chat.send', ref: 'r1', payload: { room_id: 'a', client_msg_id: 'c', content: 'x', kind: 'poll' } },
      'payload.kind',
    ],
  ])('schema violation (%s) names the path and echoes the ref', (_name, value, path) => {
    const error = errorOf(parseClientFrame(JSON.stringify(value)));
    expect(error.code).toBe('invalid_frame');
    expect(error.ref).toBe('r1');
    expect(error.type).toBe(value.type);
    expect(error.issues?.[0]?.path).toBe(path);
    expect(error.message).toContain(`Invalid "${value.type}" frame at ${path}:`);
  });

  it('reports at most five issues from a client frame (zod reads it, and names every problem)', () => {
    const error = errorOf(
      parseClientFrame(
        JSON.stringify({
          type: 'chat.send',
          payload: { room_id: 1, client_msg_id: 2, content: 3, kind: 4, metadata: 5, x: 6 },
        }),
      ),
    );
    expect(error.issues?.length).toBe(5);
  });

  it('reports the first issue of a server frame (the compiled checks stop there)', () => {
    const error = errorOf(
      parseServerFrame(
        JSON.stringify({ type: 'recording.event', payload: { recording_id: 1, user_id: 2, index: -1 } }),
      ),
    );
    expect(error.issues).toEqual([{ path: 'payload.recording_id', message: 'expected string' }]);
    expect(error.message).toBe('Invalid "recording.event" frame at payload.recording_id: expected string.');
  });

  it.each([
    ['too long', 'r'.repeat(65)],
    ['empty', ''],
    ['a number', 7],
  ])('does not echo a ref that is %s', (_name, ref) => {
    const error = errorOf(parseClientFrame(JSON.stringify({ type: 'chat.send', ref, payload: {} })));
    expect(error.code).toBe('invalid_frame');
    expect(error).not.toHaveProperty('ref');
  });

  it('echoes a ref of exactly 64 characters', () => {
    const ref = 'r'.repeat(64);
    expect(errorOf(parseClientFrame(JSON.stringify({ type: 'chat.send', ref, payload: {} }))).ref).toBe(ref);
  });
});

describe('unknown fields', () => {
  it('are tolerated in the envelope and the payload, and dropped', () => {
    const text = JSON.stringify({
      type: 'chat.send',
      ref: 'r1',
      trace: 'abc',
      payload: { room_id: 'a', client_msg_id: 'c', content: 'x', sender_id: 'mallory', future: { nested: true } },
    });
    expect(parseClientFrame(text)).toEqual({
      ok: true,
      frame: { type: 'chat.send', ref: 'r1', payload: { room_id: 'a', client_msg_id: 'c', content: 'x' } },
    });
  });

  it('are tolerated inside nested server entities', () => {
    const frame = serverSamples['chat.message'];
    const text = JSON.stringify({ ...frame, payload: { ...frame.payload, reactions: [] } });
    expect(parseServerFrame(text)).toEqual({ ok: true, frame });
  });
});

describe('decodeValue and knows', () => {
  it('decodes an already parsed value', () => {
    const decoder = createClientFrameDecoder();
    expect(decoder.decodeValue({ type: 'heartbeat_ack' })).toEqual({ ok: true, frame: { type: 'heartbeat_ack' } });
  });

  it('knows the types of its direction only', () => {
    const client = createClientFrameDecoder();
    const server = createServerFrameDecoder();
    expect(client.knows('chat.send')).toBe(true);
    expect(client.knows('chat.message')).toBe(false);
    expect(server.knows('chat.message')).toBe(true);
    expect(server.knows('chat.send')).toBe(false);
  });
});

describe('serializeFrame', () => {
  it('returns an error instead of throwing on values JSON cannot hold', () => {
    const payload: Record<string, unknown> = {};
    payload.self = payload;
    const result = serializeFrame({ type: 'app.loop', payload } as { type: string });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toBeInstanceOf(Error);
  });

  it('turns a BigInt failure into an Error', () => {
    const result = serializeFrame({ type: 'app.big', payload: { n: 1n } } as { type: string });
    expect(result.ok).toBe(false);
  });
});

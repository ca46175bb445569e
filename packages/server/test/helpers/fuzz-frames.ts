import { type ClientFrameType, clientFrameSchemas, createClientFrameDecoder } from '@gateway/protocol';
import fc from 'fast-check';
import { clientSamples } from '../../../protocol/src/testing/frame-samples';

/** What the fuzz test sends: text or binary, and which of the three families produced it. */
export interface FuzzFrame {
  kind: 'valid' | 'mutated' | 'garbage';
  data: string | Uint8Array;
}

export interface FrameLimits {
  max_frame_bytes: number;
  max_json_depth: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const knownTypes = Object.keys(clientFrameSchemas) as ClientFrameType[];
const samples = Object.values(clientSamples).map((frame) => JSON.parse(JSON.stringify(frame)) as JsonObject);

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
const key = fc.oneof(fc.constantFrom('type', 'payload', 'ref', 'room_id', 'content', '__proto__'), fc.string());

/** The valid frames: one sample of every client type, and chat sends with arbitrary (valid) content. */
export const validFrame: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.constantFrom(...samples),
  fc.record({
    type: fc.constant('chat.send'),
    payload: fc.record({
      room_id: fc.constant('room-1'),
      client_msg_id: fc.uuid(),
      content: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
    }),
    ref: fc.string({ minLength: 1, maxLength: 64 }),
  }),
);

function nest(depth: number, inner: Json): Json {
  let value = inner;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { n: value };
  return value;
}

/** A valid frame broken one way: a field dropped or replaced, wrong types, huge or exotic strings, nesting, extras. */
function mutatedFrame(limits: FrameLimits): fc.Arbitrary<JsonObject> {
  const payloadOf = (frame: JsonObject): JsonObject => (isObject(frame.payload) ? frame.payload : {});
  return fc.oneof(
    fc.tuple(validFrame, fc.nat()).map(([frame, pick]) => {
      const payload = { ...payloadOf(frame) };
      const keys = Object.keys(payload);
      if (keys.length > 0) delete payload[keys[pick % keys.length] ?? ''];
      return { ...frame, payload };
    }),
    fc.tuple(validFrame, fc.nat(), fc.jsonValue()).map(([frame, pick, value]) => {
      const payload = { ...payloadOf(frame) };
      const keys = Object.keys(payload);
      payload[keys[pick % Math.max(1, keys.length)] ?? 'x'] = value as Json;
      return { ...frame, payload };
    }),
    fc
      .tuple(validFrame, fc.oneof(fc.integer(), text, fc.array(fc.integer()), fc.constant(null)))
      .map(([frame, payload]) => ({ ...frame, payload })),
    fc.tuple(validFrame, fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()))).map(([frame, type]) => ({
      ...frame,
      type,
    })),
    fc.tuple(validFrame, fc.integer({ min: 0, max: limits.max_frame_bytes })).map(([frame, length]) => ({
      ...frame,
      payload: { ...payloadOf(frame), content: 'x'.repeat(length) },
    })),
    fc.tuple(validFrame, fc.integer({ min: 1, max: limits.max_json_depth + 8 })).map(([frame, depth]) => ({
      ...frame,
      payload: { ...payloadOf(frame), metadata: nest(depth, 1) },
    })),
    fc.tuple(validFrame, text, text).map(([frame, content, ref]) => ({
      ...frame,
      ref,
      payload: { ...payloadOf(frame), content, room_id: content },
    })),
    fc
      .tuple(validFrame, fc.dictionary(key, fc.jsonValue()), fc.boolean())
      .map(([frame, extra, inPayload]) =>
        inPayload
          ? { ...frame, payload: { ...payloadOf(frame), ...(extra as JsonObject) } }
          : { ...(extra as JsonObject), ...frame },
      ),
    fc
      .record({
        type: fc.constantFrom(...knownTypes),
        payload: fc.jsonValue().map((value) => value as Json),
        ref: fc.option(fc.string({ minLength: 1, maxLength: 64 }), { nil: undefined }),
      })
      .map((frame) => (frame.ref === undefined ? { type: frame.type, payload: frame.payload } : frame) as JsonObject),
  );
}

/** Anything at all: random text, random bytes, random JSON, and frames past both size limits. */
function garbageFrame(limits: FrameLimits): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    text,
    fc.uint8Array({ maxLength: 256 }),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.constantFrom('', '{', '[', 'null', '{"type":', '{"type":"heartbeat"'),
    fc
      .integer({ min: limits.max_frame_bytes + 1, max: 2 * limits.max_frame_bytes + 64 })
      .map((length) => `{"type":"heartbeat","payload":{"pad":"${'y'.repeat(length)}"}}`),
    fc
      .integer({ min: limits.max_json_depth - 2, max: limits.max_json_depth + 4 })
      .map((depth) => JSON.stringify({ type: 'heartbeat', payload: { deep: nest(depth, 0) } })),
  );
}

/** One frame of one of the three families, in about equal parts. */
export function fuzzFrame(limits: FrameLimits): fc.Arbitrary<FuzzFrame> {
  return fc.oneof(
    validFrame.map((frame): FuzzFrame => ({ kind: 'valid', data: JSON.stringify(frame) })),
    mutatedFrame(limits).map((frame): FuzzFrame => ({ kind: 'mutated', data: JSON.stringify(frame) })),
    garbageFrame(limits).map((data): FuzzFrame => ({ kind: 'garbage', data })),
  );
}

/** What the Bad input table says a frame gets, decided without the server: an error code, or nothing bad. */
export type Verdict = { bad: true; code: string } | { bad: false; type: string };

const BEFORE_READY: ReadonlySet<string> = new Set(['identify', 'resume', 'heartbeat', 'heartbeat_ack']);
const decoder = createClientFrameDecoder([]);
const utf8 = new TextEncoder();

/** Deepest nesting of brackets outside strings; the outermost object or array is depth 1. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === '}' || char === ']') depth--;
  }
  return deepest;
}

/** The table's answer for `data` on a connection that is (or is not) ready. */
export function verdictFor(data: string | Uint8Array, ready: boolean, limits: FrameLimits): Verdict {
  if (typeof data !== 'string') return { bad: true, code: 'binary_unsupported' };
  const bytes = utf8.encode(data).length;
  if (bytes > 2 * limits.max_frame_bytes) return { bad: true, code: 'close 1009' };
  if (bytes > limits.max_frame_bytes) return { bad: true, code: 'frame_too_large' };
  if (jsonDepth(data) > limits.max_json_depth) return { bad: true, code: 'frame_too_deep' };
  const decoded = decoder.decode(data);
  if (!decoded.ok) return { bad: true, code: decoded.error.code };
  const type = decoded.frame.type;
  if (!ready && !BEFORE_READY.has(type)) return { bad: true, code: 'not_identified' };
  if (ready && (type === 'identify' || type === 'resume')) return { bad: true, code: 'already_identified' };
  return { bad: false, type };
}

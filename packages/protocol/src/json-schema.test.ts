import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ackResultSchemas } from './ack-results';
import { CLOSE_CODES } from './close-codes';
import { ERROR_CODES } from './error-codes';
import { ackResultDefName, buildJsonSchema, frameDefName, renderJsonSchema } from './json-schema';
import { clientSamples, serverSamples } from './testing/frame-samples';
import { clientFrameSchemas, serverFrameSchemas } from './unions';
import { PROTOCOL_VERSION } from './version';

const schemaFile = fileURLToPath(new URL('../schema/protocol.schema.json', import.meta.url));
const UPDATE_HINT = 'run `pnpm --filter @gateway/protocol schema` to update';

type Node = { [key: string]: unknown };
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

const document = buildJsonSchema();
const defs = document.$defs as Record<string, Node>;

function def(name: string): Node {
  const found = defs[name];
  if (found === undefined) throw new Error(`$defs has no ${name}`);
  return found;
}

/** Every `$ref` anywhere in a schema value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (!isNode(value)) return [];
  const own = typeof value.$ref === 'string' ? [value.$ref] : [];
  return [...own, ...Object.values(value).flatMap(refsIn)];
}

function resolve(schema: Node): Node {
  const ref = schema.$ref;
  return typeof ref === 'string' ? resolve(def(ref.replace('#/$defs/', ''))) : schema;
}

/**
 * A deliberately small validator for what the generated schema uses (type, const, enum, required,
 * properties, items, string length, number bounds, anyOf, $ref), enough to show that sample frames
 * fit their definitions without adding a JSON Schema library. Returns the path of the first mismatch.
 */
function mismatch(schema: Node, value: unknown, path = '$'): string | undefined {
  const s = resolve(schema);
  if (Array.isArray(s.anyOf)) {
    return (s.anyOf as Node[]).some((branch) => mismatch(branch, value, path) === undefined)
      ? undefined
      : `${path}: no anyOf branch`;
  }
  if ('const' in s && s.const !== value) return `${path}: not ${JSON.stringify(s.const)}`;
  if (Array.isArray(s.enum) && !s.enum.includes(value)) return `${path}: not in enum`;
  switch (s.type) {
    case 'string':
      if (typeof value !== 'string') return `${path}: not a string`;
      if (typeof s.minLength === 'number' && value.length < s.minLength) return `${path}: too short`;
      if (typeof s.maxLength === 'number' && value.length > s.maxLength) return `${path}: too long`;
      return undefined;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (s.type === 'integer' && !Number.isInteger(value))) return `${path}: bad number`;
      if (typeof s.minimum === 'number' && value < s.minimum) return `${path}: below minimum`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${path}: not a boolean`;
    case 'null':
      return value === null ? undefined : `${path}: not null`;
    case 'array':
      if (!Array.isArray(value)) return `${path}: not an array`;
      return value.map((item, i) => mismatch(s.items as Node, item, `${path}[${i}]`)).find((m) => m !== undefined);
    case 'object': {
      if (!isNode(value)) return `${path}: not an object`;
      for (const key of (s.required as string[] | undefined) ?? [])
        if (!(key in value)) return `${path}.${key}: missing`;
      const properties = (s.properties as Record<string, Node> | undefined) ?? {};
      for (const [key, item] of Object.entries(value)) {
        const sub = properties[key] ?? (isNode(s.additionalProperties) ? s.additionalProperties : undefined);
        const found = sub === undefined ? undefined : mismatch(sub, item, `${path}.${key}`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

describe('schema/protocol.schema.json', () => {
  it('is up to date with the zod schemas', () => {
    let checkedIn: string;
    try {
      checkedIn = readFileSync(schemaFile, 'utf8');
    } catch {
      throw new Error(`schema/protocol.schema.json is missing: ${UPDATE_HINT}`);
    }
    // One boolean first, so a drift fails with the fix in the message instead of an 80 KB diff.
    expect(checkedIn === renderJsonSchema(), `The JSON Schema drifted from the zod schemas: ${UPDATE_HINT}`).toBe(true);
  });

  it('is deterministic', () => {
    expect(renderJsonSchema()).toBe(renderJsonSchema());
    expect(renderJsonSchema().endsWith('}\n')).toBe(true);
  });
});

describe('buildJsonSchema', () => {
  it('names the protocol version', () => {
    expect(document.$id).toBe(`urn:gateway:protocol:v${PROTOCOL_VERSION}`);
    expect(document.title).toContain(`v${PROTOCOL_VERSION}`);
    expect(document['x-protocol-version']).toBe(PROTOCOL_VERSION);
    expect(document.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('has a definition for every frame of each direction, and the two unions', () => {
    const clientRefs = (def('ClientFrame').oneOf as Node[]).map((ref) => ref.$ref);
    const serverRefs = (def('ServerFrame').oneOf as Node[]).map((ref) => ref.$ref);
    expect(clientRefs).toEqual(
      Object.keys(clientFrameSchemas).map((type) => `#/$defs/${frameDefName('client', type)}`),
    );
    expect(serverRefs).toEqual(
      Object.keys(serverFrameSchemas).map((type) => `#/$defs/${frameDefName('server', type)}`),
    );
    for (const [type] of Object.entries(clientFrameSchemas)) {
      expect((def(frameDefName('client', type)).properties as Node).type).toEqual({ type: 'string', const: type });
    }
    for (const [type] of Object.entries(serverFrameSchemas)) {
      expect((def(frameDefName('server', type)).properties as Node).type).toEqual({ type: 'string', const: type });
    }
  });

  it('marks which server frames are sequenced', () => {
    expect(def('ServerChatMessage')['x-sequenced']).toBe(true);
    expect(def('ServerTypingStart')['x-sequenced']).toBe(false);
    expect(def('ServerAck')['x-sequenced']).toBe(false);
  });

  it('resolves every $ref', () => {
    for (const ref of refsIn(document)) expect(defs).toHaveProperty([ref.replace('#/$defs/', '')]);
  });

  it('allows unknown fields, which receivers ignore', () => {
    const json = JSON.stringify(document);
    expect(json).not.toContain('"additionalProperties":false');
  });

  it('carries the close codes and error codes as data', () => {
    expect(document['x-close-codes']).toEqual(Object.entries(CLOSE_CODES).map(([name, entry]) => ({ name, ...entry })));
    expect(document['x-error-codes']).toEqual(
      Object.entries(ERROR_CODES).map(([code, description]) => ({ code, description })),
    );
  });

  it('points each request type at its ack result', () => {
    const results = document['x-ack-results'] as Record<string, Node>;
    expect(Object.keys(results)).toEqual(Object.keys(ackResultSchemas));
    for (const type of Object.keys(ackResultSchemas)) {
      expect(results[type]).toEqual({ $ref: `#/$defs/${ackResultDefName(type)}` });
    }
  });

  it.each(Object.values(clientSamples))('accepts the sample client frame $type', (frame) => {
    expect(mismatch(def(frameDefName('client', frame.type)), frame)).toBeUndefined();
  });

  it.each(Object.values(serverSamples))('accepts the sample server frame $type', (frame) => {
    expect(mismatch(def(frameDefName('server', frame.type)), frame)).toBeUndefined();
  });

  it.each([
    ['a missing payload field', { type: 'chat.send', payload: { room_id: 'r', content: 'x' } }],
    [
      'content over the cap',
      { type: 'chat.send', payload: { room_id: 'r', client_msg_id: 'c', content: 'x'.repeat(8193) } },
    ],
    ['an unknown status', { type: 'presence.update', payload: { status: 'away' } }],
  ])('refuses a client frame with %s', (_name, frame) => {
    expect(mismatch(def(frameDefName('client', frame.type)), frame)).toBeDefined();
  });
});

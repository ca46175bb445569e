import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { GENERATED_FILE } from '../../scripts/compile-validators';
import { ackResultSchemas } from '../ack-results';
import { serverSamples } from '../testing/frame-samples';
import { serverFrameSchemas } from '../unions';
import { type Check, Invalid } from './checks';
import { compileValidators, type ZodDef as Def, defOf } from './compile';
import { ackResultChecks, serverFrameChecks } from './frames.generated';

const checkDefs = (def: Def) => (def.checks ?? []).map((check) => check._zod.def);
const bound = (def: Def, name: string, key: string): number | undefined =>
  checkDefs(def).find((check) => check.check === name)?.[key] as number | undefined;

/** Values close to every limit a schema sets, on both sides, and of the wrong kinds. */
const strays = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1, 1.5, -0.5, 2 ** 53, -(2 ** 53), 1e300, '', 'x'.repeat(129), null, true, [], {}),
);

/**
 * Values for a schema, from its zod definition (the definition is what both validators were made from, so
 * the values do not lean on either). `wild` swaps some members for strays, so about half come out invalid.
 */
function valuesOf(schema: z.ZodMiniType, wild: boolean): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const valid = validValuesOf(def, wild);
  return wild ? fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: strays }) : valid;
}

function validValuesOf(def: Def, wild: boolean): fc.Arbitrary<unknown> {
  switch (def.type) {
    case 'string': {
      const minLength = bound(def, 'min_length', 'minimum') ?? 0;
      const maxLength = bound(def, 'max_length', 'maximum');
      const lengths = [maxLength ?? minLength + 200, ...(wild ? [minLength - 1, (maxLength ?? -2) + 1] : [])];
      return fc.oneof(
        fc.string({ minLength, maxLength: Math.min(maxLength ?? minLength + 12, minLength + 12) }),
        fc.constantFrom(...lengths.filter((length) => length >= 0).map((length) => 'y'.repeat(length))),
      );
    }
    case 'number': {
      const min = bound(def, 'greater_than', 'value');
      if (def.format === 'safeint') {
        const edges = [Number.MAX_SAFE_INTEGER, ...(wild && min !== undefined ? [min - 1] : [])];
        return fc.oneof(fc.integer({ min: min ?? -1000, max: 100_000 }), fc.constantFrom(...edges));
      }
      return fc.double({ min: (min ?? -1000) + 0.001, max: 1e6, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries ?? {}));
    case 'literal':
      return fc.constantFrom(...(def.values ?? []));
    case 'unknown':
      return fc.jsonValue({ maxDepth: 2 });
    case 'optional':
    case 'nullable': {
      if (def.innerType === undefined) throw new Error('no inner type');
      const empty = def.type === 'optional' ? undefined : null;
      return fc.option(valuesOf(def.innerType, wild), { nil: empty, freq: 3 });
    }
    case 'array': {
      if (def.element === undefined) throw new Error('no element');
      const minLength = bound(def, 'min_length', 'minimum') ?? 0;
      return fc.array(valuesOf(def.element, wild), { minLength, maxLength: minLength + 3 });
    }
    case 'record':
      return fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), fc.jsonValue({ maxDepth: 2 }), {
        maxKeys: 4,
      });
    case 'object': {
      const shape = Object.entries(def.shape ?? {});
      const members = Object.fromEntries(shape.map(([key, member]) => [key, valuesOf(member, wild)]));
      const known = fc.record(members);
      // Unknown members ride along; they are dropped by both.
      const extra = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
      return fc.tuple(known, extra).map(([object, more]) => {
        const value: Record<string, unknown> = { ...more };
        for (const [key, member] of Object.entries(object)) if (member !== undefined) value[key] = member;
        return value;
      });
    }
    default:
      throw new Error(`no values for zod type "${def.type}"`);
  }
}

/** The value as it arrives: through JSON, so only what JSON carries. */
const overTheWire = (value: unknown): unknown => {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
};

type Verdict = { ok: true; value: unknown } | { ok: false; paths: string[] };

function zodVerdict(schema: z.ZodMiniType, value: unknown): Verdict {
  const parsed = schema.safeParse(value);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, paths: parsed.error.issues.map((issue) => issue.path.map(String).join('.')) };
}

function compiledVerdict(check: Check, value: unknown): Verdict {
  try {
    return { ok: true, value: check(value) };
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    return { ok: false, paths: [error.path.join('.')] };
  }
}

/** Same verdict, same value out, and the problem the compiled check names is one zod names too. */
function expectSameVerdict(schema: z.ZodMiniType, check: Check, value: unknown): void {
  const expected = zodVerdict(schema, value);
  const actual = compiledVerdict(check, value);
  expect(actual.ok, JSON.stringify(value)).toBe(expected.ok);
  if (actual.ok && expected.ok) expect(actual.value).toStrictEqual(expected.value);
  if (!actual.ok && !expected.ok) expect(expected.paths).toContain(actual.paths[0]);
}

const tables = [
  { name: 'server frame', schemas: serverFrameSchemas, checks: serverFrameChecks },
  { name: 'ack result', schemas: ackResultSchemas, checks: ackResultChecks },
] as const;

const cases = tables.flatMap(({ name, schemas, checks }) =>
  Object.entries(schemas).map(([type, schema]) => {
    const check = (checks as Readonly<Record<string, Check>>)[type];
    if (check === undefined) throw new Error(`no compiled check for ${name} ${type}`);
    return { label: `${name} ${type}`, schema: schema as z.ZodMiniType, check };
  }),
);

describe('compiled validators', () => {
  it('are what the compiler writes from the zod schemas today (run `pnpm --filter @gateway/protocol validators`)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(compileValidators().source);
  });

  it('cover every server frame type and every ack result, and nothing else', () => {
    expect(Object.keys(serverFrameChecks).sort()).toEqual(Object.keys(serverFrameSchemas).sort());
    expect(Object.keys(ackResultChecks).sort()).toEqual(Object.keys(ackResultSchemas).sort());
  });

  it('accept every sample server frame as zod does', () => {
    for (const [type, sample] of Object.entries(serverSamples)) {
      const check = serverFrameChecks[type as keyof typeof serverFrameChecks];
      expectSameVerdict(serverFrameSchemas[type as keyof typeof serverFrameSchemas], check, overTheWire(sample));
    }
  });

  it.each(cases)('$label: zod and the compiled check agree on valid and mangled values', ({ schema, check }) => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(valuesOf(schema, false), valuesOf(schema, true), strays), (generated) => {
        const value = overTheWire(generated);
        expectSameVerdict(schema, check, value);
        if (zodVerdict(schema, value).ok) accepted++;
        else refused++;
      }),
      { numRuns: 300 },
    );
    // Both sides of the verdict were exercised, or agreeing would prove little.
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  it('refuse what is not JSON-shaped the way zod does', () => {
    for (const { schema, check } of cases) {
      for (const value of [undefined, null, 7, 'frame', [], [{}], { type: 1 }]) expectSameVerdict(schema, check, value);
    }
  });

  it.each([
    ['a lone high surrogate', 'room-\ud800', false],
    ['a lone low surrogate', '\udfff', false],
    ['a low before a high', '\udc00\ud800', false],
    ['a pair (an astral character)', 'room-\ud83d\ude00', true],
    ['plain text', 'général', true],
  ])('judge an id with %s as zod does (well-formed: %s)', (_label, id, wellFormed) => {
    const frame = { type: 'presence.diff', payload: { left: [id], count: 0 } };
    expect(zodVerdict(serverFrameSchemas['presence.diff'], frame).ok).toBe(wellFormed);
    expectSameVerdict(serverFrameSchemas['presence.diff'], serverFrameChecks['presence.diff'], frame);
  });

  it('name the path of the first problem', () => {
    const refused = compiledVerdict(serverFrameChecks['chat.message'], {
      type: 'chat.message',
      payload: { message_id: 'm', room_id: 'r', sender_id: 's', kind: 'text', content: 'c', created_at: 42 },
    });
    expect(refused).toEqual({ ok: false, paths: ['payload.created_at'] });
  });
});

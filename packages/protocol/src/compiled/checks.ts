// The few checks the protocol's schemas are made of, as plain functions. Validators compiled from the zod
// schemas (frames.generated.ts) are built from these, so a browser bundle validates every frame without
// carrying zod's runtime (about 7 KB, gzipped, beside the client's 12 KB budget). compiled.test.ts holds them
// to zod's verdicts and outputs.

/** Why a value was refused, and where: the keys and indexes from the root down to the bad value. */
export class Invalid {
  declare readonly path: (string | number)[];
  declare readonly message: string;

  // `declare`d and assigned here, not class fields: a bundle targeting ES2020 (the client's measure) would
  // carry a defineProperty helper for field semantics this class does not need.
  constructor(message: string) {
    this.message = message;
    this.path = [];
  }
}

/** Returns the value as the protocol reads it (objects without unknown keys), or throws `Invalid`. */
export type Check = ((value: unknown) => unknown) & { readonly optional?: true };

const fail = (message: string): never => {
  throw new Invalid(message);
};

/** Runs a check on a member, adding the member's key or index to the path of a refusal. */
function member(check: Check, value: unknown, key: string | number): unknown {
  try {
    return check(value);
  } catch (error) {
    if (error instanceof Invalid) error.path.unshift(key);
    throw error;
  }
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const lengthWithin = <T extends { length: number }>(value: T, min: number, max: number): T =>
  value.length < min
    ? fail(`too short: at least ${min}`)
    : value.length > max
      ? fail(`too long: at most ${max}`)
      : value;

// primitives.ts's `WELL_FORMED`, the pattern zod checks, spelled again here: importing it would bring zod along.
// Only ids are held to it, and their length is checked first, so it never runs over a long string.
const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

/** A string of `min` to `max` UTF-16 units; `wellFormed`: of whole characters (no lone surrogate: `WELL_FORMED`). */
export const string =
  (min = 0, max = Infinity, wellFormed = false): Check =>
  (value) => {
    if (typeof value !== 'string') return fail('expected string');
    lengthWithin(value, min, max);
    return wellFormed && !WELL_FORMED.test(value) ? fail('has a lone surrogate') : value;
  };

/** A safe integer (zod's `z.int()`), at least `min`. */
export const integer =
  (min = -Infinity): Check =>
  (value) =>
    !Number.isSafeInteger(value) ? fail('expected integer') : (value as number) < min ? fail(`below ${min}`) : value;

/** A finite number (zod's `z.number()`), above `exclusiveMin` when given. */
export const number =
  (exclusiveMin = -Infinity): Check =>
  (value) =>
    // Number.isFinite is false for anything but a finite number: no coercion, unlike the global isFinite.
    !Number.isFinite(value)
      ? fail('expected number')
      : (value as number) <= exclusiveMin
        ? fail(`not above ${exclusiveMin}`)
        : value;

export const boolean: Check = (value) => (typeof value === 'boolean' ? value : fail('expected boolean'));

export const unknown: Check = (value) => value;

/** One of these values exactly (zod's `z.enum` and `z.literal`). */
export const oneOf =
  (values: readonly unknown[]): Check =>
  (value) =>
    values.includes(value) ? value : fail(`expected one of ${JSON.stringify(values)}`);

/** May be left out: an object leaves an absent member out of its result. */
export const optional = (inner: Check): Check =>
  Object.assign((value: unknown) => (value === undefined ? value : inner(value)), { optional: true as const });

export const nullable =
  (inner: Check): Check =>
  (value) =>
    value === null ? value : inner(value);

export const array =
  (item: Check, min = 0, max = Infinity): Check =>
  (value) =>
    Array.isArray(value)
      ? lengthWithin(value, min, max).map((entry, index) => member(item, entry, index))
      : fail('expected array');

/** String keys to values (zod's `z.record(z.string(), …)`); like zod, a `__proto__` key is left out. */
export const record =
  (item: Check): Check =>
  (value) => {
    if (!isPlainObject(value)) return fail('expected object');
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value)) if (key !== '__proto__') result[key] = member(item, value[key], key);
    return result;
  };

/** The members the shape names, in its order; unknown members are dropped, as zod's `z.object` does. */
export const object =
  (shape: Record<string, Check>): Check =>
  (value) => {
    if (!isPlainObject(value)) return fail('expected object');
    const result: Record<string, unknown> = {};
    for (const key in shape) {
      const check = shape[key] as Check;
      const entry = value[key];
      if (entry === undefined && check.optional) continue;
      result[key] = member(check, entry, key);
    }
    return result;
  };

/**
 * Every server frame's check from its payload's: the envelope of `envelope.ts`, `{ type, payload, seq?, ref?,
 * pos? }`, with the table's key as the one `type` accepted.
 */
export function frames<K extends string>(
  seq: Check,
  ref: Check,
  pos: Check,
  payloads: Record<K, Check>,
): Record<K, Check> {
  const table = {} as Record<K, Check>;
  for (const type in payloads) {
    table[type] = object({
      type: oneOf([type]),
      payload: payloads[type],
      seq: optional(seq),
      ref: optional(ref),
      pos: optional(pos),
    });
  }
  return table;
}

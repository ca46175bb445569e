// Turns the zod schemas into the source of frames.generated.ts: the same shapes, spelled with the plain
// checks of checks.ts. Node-only (never bundled); `scripts/compile-validators.ts` writes the file and
// compiled.test.ts fails when the checked-in file differs from what this returns.
//
// Only what the protocol uses is understood; anything else throws, so a schema change that the checks
// cannot express stops the generation instead of compiling to a validator that answers differently.
import type * as z from 'zod/mini';
import { ackResultSchemas } from '../ack-results';
import * as entities from '../entities';
import * as frames from '../frames';
import * as position from '../position';
import * as primitives from '../primitives';
import { WELL_FORMED } from '../primitives';
import { serverFrameSchemas } from '../unions';

/** What of a zod schema's definition the compiler (and its test) reads. */
export interface ZodDef {
  readonly type: string;
  readonly format?: string;
  readonly checks?: readonly { readonly _zod: { readonly def: ZodCheckDef } }[];
  readonly shape?: Readonly<Record<string, z.ZodMiniType>>;
  readonly innerType?: z.ZodMiniType;
  readonly element?: z.ZodMiniType;
  readonly keyType?: z.ZodMiniType;
  readonly valueType?: z.ZodMiniType;
  readonly entries?: Readonly<Record<string, unknown>>;
  readonly values?: readonly unknown[];
}

interface ZodCheckDef {
  readonly [key: string]: unknown;
  readonly check: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly value?: number;
  readonly inclusive?: boolean;
}

export const defOf = (schema: z.ZodMiniType): ZodDef => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

/** Names for the schemas the protocol exports, so the generated file reads like the schema modules. */
function exportedNames(): Map<z.ZodMiniType, string> {
  const names = new Map<z.ZodMiniType, string>();
  for (const module of [primitives, position, entities, frames]) {
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === 'object' && value !== null && '_zod' in value && !names.has(value as z.ZodMiniType)) {
        names.set(value as z.ZodMiniType, name);
      }
    }
  }
  return names;
}

/** A string's length bounds, and whether it must be well-formed UTF-16 (the one pattern compiled). */
function stringBounds(def: ZodDef, what: string): { bounds: number[]; wellFormed: boolean } {
  let min = 0;
  let max: number | undefined;
  let wellFormed = false;
  for (const { _zod } of def.checks ?? []) {
    const check = _zod.def;
    if (check.check === 'min_length' && check.minimum !== undefined) min = Math.max(min, check.minimum);
    else if (check.check === 'max_length' && check.maximum !== undefined)
      max = Math.min(max ?? check.maximum, check.maximum);
    else if (check.check === 'string_format' && check.format === 'regex' && check.pattern === WELL_FORMED)
      wellFormed = true;
    else throw new Error(`${what}: the compiled checks have no "${check.check}" check`);
  }
  return { bounds: max === undefined ? (min === 0 ? [] : [min]) : [min, max], wellFormed };
}

function lengthBounds(def: ZodDef, what: string): number[] {
  return stringBounds(def, what).bounds;
}

/** The lower bound of a number: `{value, inclusive}`, or none. */
function lowerBound(def: ZodDef, what: string): { value: number; inclusive: boolean } | undefined {
  let bound: { value: number; inclusive: boolean } | undefined;
  for (const { _zod } of def.checks ?? []) {
    const check = _zod.def;
    if (check.check !== 'greater_than' || check.value === undefined || bound !== undefined) {
      throw new Error(`${what}: the compiled checks take one lower bound only, not "${check.check}"`);
    }
    bound = { value: check.value, inclusive: check.inclusive === true };
  }
  return bound;
}

/**
 * Each object made by `z.extend` of a schema the protocol exports (RoomSnapshot of RoomPresence), by its base:
 * a named object whose members are its first ones, the very same schemas. Its check spreads the base's
 * members rather than repeating them.
 */
function extensionBases(
  roots: readonly z.ZodMiniType[],
  names: ReadonlyMap<z.ZodMiniType, string>,
): Map<z.ZodMiniType, z.ZodMiniType> {
  const seen = new Set<z.ZodMiniType>();
  const objects: z.ZodMiniType[] = [];
  const walk = (schema: z.ZodMiniType | undefined): void => {
    if (schema === undefined || seen.has(schema)) return;
    seen.add(schema);
    const def = defOf(schema);
    if (def.type === 'object') objects.push(schema);
    for (const child of [...Object.values(def.shape ?? {}), def.innerType, def.element, def.valueType]) walk(child);
  };
  for (const root of roots) walk(root);
  const bases = new Map<z.ZodMiniType, z.ZodMiniType>();
  for (const schema of objects) {
    const shape = Object.entries(defOf(schema).shape ?? {});
    for (const base of objects) {
      const inherited = Object.entries(defOf(base).shape ?? {});
      const extendsIt =
        base !== schema &&
        names.has(base) &&
        inherited.length > 1 &&
        inherited.length < shape.length &&
        inherited.every(([key, member], at) => shape[at]?.[0] === key && shape[at]?.[1] === member);
      const best = bases.get(schema);
      if (extendsIt && (best === undefined || Object.keys(defOf(best).shape ?? {}).length < inherited.length)) {
        bases.set(schema, base);
      }
    }
  }
  return bases;
}

/** An object's members but for those it inherits from `base`. */
function ownMembers(schema: z.ZodMiniType, base: z.ZodMiniType | undefined): [string, z.ZodMiniType][] {
  const inherited = new Set(base === undefined ? [] : Object.keys(defOf(base).shape ?? {}));
  return Object.entries(defOf(schema).shape ?? {}).filter(([key]) => !inherited.has(key));
}

const call = (name: string, args: readonly (string | number)[]): string => `${name}(${args.join(', ')})`;

const propertyKey = (key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key));

export interface CompiledModule {
  /** The TypeScript source of frames.generated.ts. */
  readonly source: string;
}

/**
 * Compiles every server frame's schema and every ack result's schema. Schemas used in more than one place,
 * and every schema the protocol exports by name, become constants of their own, declared before their use.
 */
export function compileValidators(): CompiledModule {
  const names = exportedNames();
  const roots = [...Object.values(serverFrameSchemas), ...Object.values(ackResultSchemas)] as z.ZodMiniType[];
  const bases = extensionBases(roots, names);
  const uses = new Map<z.ZodMiniType, number>();
  const countUses = (schema: z.ZodMiniType): void => {
    const seen = uses.get(schema) ?? 0;
    uses.set(schema, seen + 1);
    if (seen > 0) return;
    const def = defOf(schema);
    // An extension's inherited members are its base's: counted (and compiled) once, there.
    const base = bases.get(schema);
    if (base !== undefined) countUses(base);
    const own = ownMembers(schema, base).map(([, member]) => member);
    for (const child of [...own, def.innerType, def.element, def.valueType]) {
      if (child !== undefined) countUses(child);
    }
  };
  for (const root of roots) countUses(root);

  const extended = new Set(bases.values());
  const declarations: string[] = [];
  const declared = new Map<z.ZodMiniType, string>();
  const combinators = new Set<string>();
  const takenNames = new Set<string>();
  let unnamed = 0;

  /** A check that needs no arguments (`boolean`, `unknown`), by name. */
  const bare = (name: string): string => {
    combinators.add(name);
    return name;
  };
  const use = (name: string, args: readonly (string | number)[] = []): string => call(bare(name), args);

  const expression = (schema: z.ZodMiniType, what: string): string => {
    const def = defOf(schema);
    switch (def.type) {
      case 'string': {
        const { bounds, wellFormed } = stringBounds(def, what);
        if (!wellFormed) return use('string', bounds);
        return use('string', [bounds[0] ?? 0, bounds[1] ?? 'Infinity', 'true']);
      }
      case 'number': {
        const bound = lowerBound(def, what);
        if (def.format === 'safeint') {
          if (bound === undefined) return use('integer');
          return use('integer', [bound.inclusive ? bound.value : bound.value + 1]);
        }
        if (def.format !== undefined) throw new Error(`${what}: number format "${def.format}" is not compiled`);
        if (bound?.inclusive) throw new Error(`${what}: an inclusive minimum on a float`);
        return use('number', bound === undefined ? [] : [bound.value]);
      }
      case 'boolean':
        return bare('boolean');
      case 'enum':
        return use('oneOf', [JSON.stringify(Object.values(def.entries ?? {}))]);
      case 'literal':
        return use('oneOf', [JSON.stringify(def.values ?? [])]);
      case 'optional':
        return use('optional', [reference(def.innerType, what)]);
      case 'nullable':
        return use('nullable', [reference(def.innerType, what)]);
      case 'array':
        return use('array', [reference(def.element, `${what}[]`), ...lengthBounds(def, what)]);
      case 'record': {
        if (
          def.keyType === undefined ||
          defOf(def.keyType).type !== 'string' ||
          lengthBounds(defOf(def.keyType), what).length > 0
        ) {
          throw new Error(`${what}: only records with plain string keys are compiled`);
        }
        const value = def.valueType;
        if (value !== undefined && defOf(value).type === 'unknown') return use('record', [bare('unknown')]);
        return use('record', [reference(value, `${what}{}`)]);
      }
      case 'object': {
        if ((def.checks ?? []).length > 0) throw new Error(`${what}: object refinements are not compiled`);
        if (extended.has(schema)) return use('object', [shapeOf(schema, what)]);
        const base = bases.get(schema);
        const all = [...(base === undefined ? [] : [`...${shapeOf(base, what)}`]), ...members(schema, what, base)];
        return use('object', [all.length === 0 ? '{}' : `{ ${all.join(', ')} }`]);
      }
      default:
        throw new Error(`${what}: zod type "${def.type}" is not compiled`);
    }
  };

  /** An object's members, as `key: check`, but for those it inherits from `base`. */
  function members(schema: z.ZodMiniType, what: string, base?: z.ZodMiniType): string[] {
    return ownMembers(schema, base).map(([key, member]) => {
      if (defOf(member).type === 'unknown') throw new Error(`${what}.${key}: a bare unknown member is not compiled`);
      return `${propertyKey(key)}: ${reference(member, `${what}.${key}`)}`;
    });
  }

  /** The constant holding a base's members, which it and its extensions spread. */
  const shapes = new Map<z.ZodMiniType, string>();
  function shapeOf(base: z.ZodMiniType, what: string): string {
    const known = shapes.get(base);
    if (known !== undefined) return known;
    const text = `{ ${members(base, what).join(', ')} }`;
    const name = `${names.get(base)}Shape`;
    takenNames.add(name);
    shapes.set(base, name);
    declarations.push(`const ${name} = ${text};`);
    return name;
  }

  /** A schema as an argument: its constant's name when it has one, else its expression inline. */
  function reference(schema: z.ZodMiniType | undefined, what: string): string {
    if (schema === undefined) throw new Error(`${what}: a schema without its inner type`);
    const known = declared.get(schema);
    if (known !== undefined) return known;
    const exported = names.get(schema);
    if (exported === undefined && (uses.get(schema) ?? 0) < 2) return expression(schema, what);
    const text = expression(schema, exported ?? what);
    let name = exported ?? `shared${++unnamed}`;
    while (takenNames.has(name)) name = `${name}_`;
    takenNames.add(name);
    declared.set(schema, name);
    declarations.push(`const ${name} = ${text};`);
    return name;
  }

  type Read = (schema: z.ZodMiniType, what: string, type: string) => string;
  const table = (schemas: Readonly<Record<string, z.ZodMiniType>>, what: string, read: Read = expression): string =>
    Object.entries(schemas)
      .map(([type, schema]) => `  ${propertyKey(type)}: ${read(schema, `${what} ${type}`, type)},`)
      .join('\n');
  // Every server frame is envelope.ts's `{ type, payload, seq?, ref?, pos? }`: the table holds the payloads, and
  // `frames()` wraps each in that envelope at load, instead of the envelope being written out once per frame.
  const seq = reference(primitives.Seq, 'Seq');
  const ref = reference(primitives.Ref, 'Ref');
  const pos = reference(position.RoomPosition, 'RoomPosition');
  const innerOf = (member: z.ZodMiniType | undefined) => (member === undefined ? undefined : defOf(member).innerType);
  const payloadOf: Read = (schema, what, type) => {
    const def = defOf(schema);
    const { type: literal, payload, seq: seqMember, ref: refMember, pos: posMember, ...others } = def.shape ?? {};
    const enveloped =
      def.type === 'object' &&
      (def.checks ?? []).length === 0 &&
      Object.keys(others).length === 0 &&
      literal !== undefined &&
      defOf(literal).type === 'literal' &&
      JSON.stringify(defOf(literal).values) === JSON.stringify([type]) &&
      defOf(seqMember ?? literal).type === 'optional' &&
      innerOf(seqMember) === primitives.Seq &&
      defOf(refMember ?? literal).type === 'optional' &&
      innerOf(refMember) === primitives.Ref &&
      defOf(posMember ?? literal).type === 'optional' &&
      innerOf(posMember) === position.RoomPosition;
    if (!enveloped || payload === undefined) throw new Error(`${what}: not in the frame envelope frames() assumes`);
    return reference(payload, `${what}.payload`);
  };
  const serverTable = table(serverFrameSchemas, 'server frame', payloadOf);
  combinators.add('frames');
  const ackTable = table(ackResultSchemas, 'ack result');

  const source = [
    '// Generated by `pnpm --filter @gateway/protocol validators` from the zod schemas: do not edit.',
    '// compiled.test.ts fails when this file differs from what scripts/compile-validators.ts would write.',
    "import type { AckResultType } from '../ack-results';",
    "import type { ServerFrameType } from '../unions';",
    `import { type Check, ${[...combinators].sort().join(', ')} } from './checks';`,
    '',
    ...declarations,
    '',
    '/** Every frame a server may send, by type. */',
    `export const serverFrameChecks: Readonly<Record<ServerFrameType, Check>> = frames(${seq}, ${ref}, ${pos}, {`,
    serverTable,
    '});',
    '',
    '/** The `ack` payload answering each request type. */',
    'export const ackResultChecks: Readonly<Record<AckResultType, Check>> = {',
    ackTable,
    '};',
    '',
  ].join('\n');
  return { source };
}

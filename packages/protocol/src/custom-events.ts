import type * as z from 'zod/mini';
import { frame } from './envelope';
import { clientFrameSchemas, serverFrameSchemas } from './unions';

export type EventDirection = 'client' | 'server' | 'both';

/** An application's own frame type: a name, a payload schema, who may send it, and whether it is sequenced. */
export interface EventDefinition<
  Name extends string = string,
  Payload extends z.ZodMiniType = z.ZodMiniType,
  Direction extends EventDirection = EventDirection,
> {
  readonly name: Name;
  readonly payload: Payload;
  readonly direction: Direction;
  /** Ephemeral events carry no seq and are never replayed (like typing). */
  readonly ephemeral: boolean;
  /** The whole frame's schema, built from the payload schema with the shared envelope. */
  readonly frame: z.ZodMiniType;
}

export interface DefineEventOptions<Direction extends EventDirection> {
  /** @default 'both' */
  direction?: Direction;
  /** @default false */
  ephemeral?: boolean;
}

/** Families of built-in types (`chat.`, `guild.`, …): reserved, since later protocol versions add types there. */
const BUILT_IN_FAMILIES: ReadonlySet<string> = new Set(
  [...Object.keys(clientFrameSchemas), ...Object.keys(serverFrameSchemas)]
    .filter((type) => type.includes('.'))
    .map((type) => type.slice(0, type.indexOf('.'))),
);

const EVENT_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * Registers an application event type with the same validation and typing as the built-in ones:
 * `defineEvent('game.move', z.object({ x: z.int(), y: z.int() }))`.
 * Names are lowercase and dotted (`app.thing`), and may not shadow a built-in frame type.
 */
export function defineEvent<
  const Name extends string,
  Payload extends z.ZodMiniType,
  Direction extends EventDirection = 'both',
>(
  name: Name,
  payload: Payload,
  options: DefineEventOptions<Direction> = {},
): EventDefinition<Name, Payload, Direction> {
  if (!EVENT_NAME.test(name)) {
    throw new TypeError(`Event name "${name}" must be lowercase and dotted, like "game.move".`);
  }
  const family = name.slice(0, name.indexOf('.'));
  if (BUILT_IN_FAMILIES.has(family)) {
    throw new TypeError(
      `Event name "${name}" is in the built-in "${family}." family, where later protocol versions add types; use a family of your own, like "app.${name.slice(family.length + 1)}".`,
    );
  }
  if (name in clientFrameSchemas || name in serverFrameSchemas) {
    throw new TypeError(`Event name "${name}" is a built-in frame type; pick a name of your own, like "app.${name}".`);
  }
  return {
    name,
    payload,
    direction: (options.direction ?? 'both') as Direction,
    ephemeral: options.ephemeral ?? false,
    frame: frame(name, payload),
  };
}

type Sends<D, Side extends 'client' | 'server'> =
  D extends EventDefinition<string, z.ZodMiniType, infer Dir> ? (Dir extends Side | 'both' ? D : never) : never;

/** Payload types of the custom events a server may send, by name. */
export type CustomServerPayloads<Defs extends readonly EventDefinition[]> = {
  [D in Sends<Defs[number], 'server'> as D['name']]: z.infer<D['payload']>;
};

/** Payload types of the custom events a client may send, by name. */
export type CustomClientPayloads<Defs extends readonly EventDefinition[]> = {
  [D in Sends<Defs[number], 'client'> as D['name']]: z.infer<D['payload']>;
};

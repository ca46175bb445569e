import type * as z from 'zod/mini';
import type { EventDefinition, EventDirection } from './custom-events';
import type { ClientFrame, ServerFrame } from './unions';
import { clientFrameSchemas, serverFrameSchemas } from './unions';

export type DecodeErrorCode = 'invalid_json' | 'invalid_frame' | 'unknown_type';

export interface DecodeIssue {
  readonly path: string;
  readonly message: string;
}

export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly message: string;
  /** The frame's `type`, when it had a string one. */
  readonly type?: string;
  /** The frame's `ref`, when it had a usable one, so the error reply can carry it. */
  readonly ref?: string;
  readonly issues?: readonly DecodeIssue[];
}

export type DecodeResult<F> =
  | { readonly ok: true; readonly frame: F }
  | { readonly ok: false; readonly error: DecodeError };

/** A frame of an application-defined type, typed from its definition. */
export type CustomFrame<D extends EventDefinition> =
  D extends EventDefinition<infer N, infer P> ? { type: N; payload: z.infer<P>; seq?: number; ref?: string } : never;

/** Decodes untrusted text into a frame of one direction, never throwing. */
export interface Decoder<F> {
  decode(text: string): DecodeResult<F>;
  /** For transports that hand over parsed values. */
  decodeValue(value: unknown): DecodeResult<F>;
  /** True when the type exists in this direction (built in or registered). */
  knows(type: string): boolean;
}

const MAX_ISSUES = 5;

/**
 * The schemas of one direction plus the application's events sent that way. Each decoder names only its own
 * direction's map, so a client bundle carries the schemas of the frames it receives and none of those it sends.
 */
function lookupTable(
  builtIn: Readonly<Record<string, z.ZodMiniType>>,
  from: Exclude<EventDirection, 'both'>,
  events: readonly EventDefinition[],
): Map<string, z.ZodMiniType> {
  const table = new Map<string, z.ZodMiniType>(Object.entries(builtIn));
  for (const event of events) {
    if (event.direction === 'both' || event.direction === from) table.set(event.name, event.frame);
  }
  return table;
}

function usableRef(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : undefined;
}

function createDecoder<F>(table: ReadonlyMap<string, z.ZodMiniType>): Decoder<F> {
  function decodeValue(value: unknown): DecodeResult<F> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, error: { code: 'invalid_frame', message: 'A frame must be a JSON object.' } };
    }
    const record = value as Record<string, unknown>;
    const ref = usableRef(record.ref);
    const withRef = ref === undefined ? {} : { ref };
    const type = record.type;
    if (typeof type !== 'string') {
      return { ok: false, error: { code: 'invalid_frame', message: 'A frame needs a string `type`.', ...withRef } };
    }
    const schema = table.get(type);
    if (schema === undefined) {
      return {
        ok: false,
        error: {
          code: 'unknown_type',
          message: `Unknown frame type "${type.slice(0, 64)}".`,
          type: type.slice(0, 64),
          ...withRef,
        },
      };
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return { ok: true, frame: parsed.data as F };
    const issues = parsed.error.issues.slice(0, MAX_ISSUES).map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    const first = issues[0];
    const where = first === undefined ? '' : ` at ${first.path || '(root)'}: ${first.message}`;
    return {
      ok: false,
      error: { code: 'invalid_frame', message: `Invalid "${type}" frame${where}.`, type, issues, ...withRef },
    };
  }

  return {
    decodeValue,
    decode(text) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { ok: false, error: { code: 'invalid_json', message: 'The frame is not valid JSON.' } };
      }
      return decodeValue(value);
    },
    knows: (type) => table.has(type),
  };
}

/** Decoder for frames a server receives from clients. */
export function createClientFrameDecoder<const Defs extends readonly EventDefinition[] = []>(
  events?: Defs,
): Decoder<ClientFrame | CustomFrame<Defs[number]>> {
  return createDecoder(lookupTable(clientFrameSchemas, 'client', events ?? []));
}

/** Decoder for frames a client receives from a server. */
export function createServerFrameDecoder<const Defs extends readonly EventDefinition[] = []>(
  events?: Defs,
): Decoder<ServerFrame | CustomFrame<Defs[number]>> {
  return createDecoder(lookupTable(serverFrameSchemas, 'server', events ?? []));
}

// Made on first use: a decoder built at load time would put both directions' schemas in every bundle.
let defaultClientDecoder: Decoder<ClientFrame> | undefined;
let defaultServerDecoder: Decoder<ServerFrame> | undefined;

/** Parses a frame a client sent (built-in types only). Never throws. */
export function parseClientFrame(text: string): DecodeResult<ClientFrame> {
  defaultClientDecoder ??= createClientFrameDecoder();
  return defaultClientDecoder.decode(text);
}

/** Parses a frame a server sent (built-in types only). Never throws. */
export function parseServerFrame(text: string): DecodeResult<ServerFrame> {
  defaultServerDecoder ??= createServerFrameDecoder();
  return defaultServerDecoder.decode(text);
}

export type SerializeResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly error: Error };

/** Serialises a frame to its wire text, returning a result instead of throwing on values JSON cannot hold. */
export function serializeFrame(frame: { readonly type: string }): SerializeResult {
  try {
    return { ok: true, text: JSON.stringify(frame) };
  } catch (cause) {
    return { ok: false, error: cause instanceof Error ? cause : new Error(String(cause)) };
  }
}

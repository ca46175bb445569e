import type * as z from 'zod/mini';
import { type Check, Invalid, isPlainObject } from './compiled/checks';
import { ackResultChecks, serverFrameChecks } from './compiled/frames.generated';
import type { EventDefinition, EventDirection } from './custom-events';
import type { ClientFrame, ServerFrame } from './unions';
import { clientFrameSchemas } from './unions';

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

/** How a decoder words the issues its zod schemas find. */
export interface DecoderOptions {
  /**
   * zod's messages for an issue (`z.locales.en().localeError`): zod/mini says only "Invalid input" until it
   * has a locale. Given per decoder rather than through `z.config`, which would change it for the whole process.
   */
  readonly errorMap?: z.core.$ZodErrorMap;
}

const MAX_ISSUES = 5;

/** Reads a value as one frame type: the frame as the protocol reads it, or what was wrong with it. */
type FrameReader = (value: unknown) => { ok: true; frame: unknown } | { ok: false; issues: DecodeIssue[] };

function zodReader(schema: z.ZodMiniType, errorMap?: z.core.$ZodErrorMap): FrameReader {
  const context = errorMap === undefined ? undefined : { error: errorMap };
  return (value) => {
    const parsed = schema.safeParse(value, context);
    if (parsed.success) return { ok: true, frame: parsed.data };
    const issues = parsed.error.issues.slice(0, MAX_ISSUES).map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    return { ok: false, issues };
  };
}

/** The compiled checks stop at the first problem, so their verdict names one issue. */
function checkReader(check: Check): FrameReader {
  return (value) => {
    try {
      return { ok: true, frame: check(value) };
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return { ok: false, issues: [{ path: error.path.join('.'), message: error.message }] };
    }
  };
}

/**
 * The readers of one direction plus the application's events sent that way. Each decoder names only its own
 * direction's table, so a client bundle carries the checks of the frames it receives and none of those it sends.
 */
function lookupTable(
  builtIn: ReadonlyMap<string, FrameReader>,
  from: Exclude<EventDirection, 'both'>,
  events: readonly EventDefinition[],
  errorMap: z.core.$ZodErrorMap | undefined,
): Map<string, FrameReader> {
  const table = new Map(builtIn);
  for (const event of events) {
    if (event.direction === 'both' || event.direction === from) {
      table.set(event.name, zodReader(event.frame, errorMap));
    }
  }
  return table;
}

function usableRef(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : undefined;
}

function createDecoder<F>(table: ReadonlyMap<string, FrameReader>): Decoder<F> {
  function decodeValue(value: unknown): DecodeResult<F> {
    if (!isPlainObject(value)) {
      return { ok: false, error: { code: 'invalid_frame', message: 'A frame must be a JSON object.' } };
    }
    const ref = usableRef(value.ref);
    const withRef = ref === undefined ? {} : { ref };
    const type = value.type;
    if (typeof type !== 'string') {
      return { ok: false, error: { code: 'invalid_frame', message: 'A frame needs a string `type`.', ...withRef } };
    }
    const read = table.get(type);
    if (read === undefined) {
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
    const result = read(value);
    if (result.ok) return { ok: true, frame: result.frame as F };
    const { issues } = result;
    // A refusal names at least one issue: zod's always do, and the compiled checks name their one.
    const first = issues[0] as DecodeIssue;
    const message = `Invalid "${type}" frame at ${first.path || '(root)'}: ${first.message}.`;
    return { ok: false, error: { code: 'invalid_frame', message, type, issues, ...withRef } };
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

// Built on first use: a table built at load time would put both directions' readers in every bundle.
let clientReaders: ReadonlyMap<string, FrameReader> | undefined;
let serverReaders: ReadonlyMap<string, FrameReader> | undefined;
let ackReaders: ReadonlyMap<string, FrameReader> | undefined;

const readersOf = <S>(schemas: Readonly<Record<string, S>>, reader: (schema: S) => FrameReader) =>
  new Map(Object.entries(schemas).map(([type, schema]) => [type, reader(schema)]));

/** Decoder for frames a server receives from clients. */
export function createClientFrameDecoder<const Defs extends readonly EventDefinition[] = []>(
  events?: Defs,
  options: DecoderOptions = {},
): Decoder<ClientFrame | CustomFrame<Defs[number]>> {
  const { errorMap } = options;
  let builtIn: ReadonlyMap<string, FrameReader>;
  if (errorMap === undefined) {
    clientReaders ??= readersOf(clientFrameSchemas, (schema) => zodReader(schema));
    builtIn = clientReaders;
  } else builtIn = readersOf(clientFrameSchemas, (schema) => zodReader(schema, errorMap));
  return createDecoder(lookupTable(builtIn, 'client', events ?? [], errorMap));
}

/**
 * Decoder for frames a client receives from a server. The built-in types are read by the checks compiled
 * from their schemas (no zod at run time: this is the decoder in every client bundle); the application's
 * own events by their zod schemas.
 */
export function createServerFrameDecoder<const Defs extends readonly EventDefinition[] = []>(
  events?: Defs,
  options: DecoderOptions = {},
): Decoder<ServerFrame | CustomFrame<Defs[number]>> {
  serverReaders ??= readersOf(serverFrameChecks, checkReader);
  return createDecoder(lookupTable(serverReaders, 'server', events ?? [], options.errorMap));
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

export type AckResultRead =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly issue: DecodeIssue };

/**
 * Reads the `ack` payload that answers a request of `requestType` (an absent payload reads as `{}`), by the
 * checks compiled from `ackResultSchemas`; undefined for request types whose ack carries no known result.
 */
export function readAckResult(requestType: string, payload: unknown): AckResultRead | undefined {
  ackReaders ??= readersOf(ackResultChecks, checkReader);
  const read = ackReaders.get(requestType)?.(payload ?? {});
  if (read === undefined) return undefined;
  // A compiled check's refusal always names its one issue.
  return read.ok ? { ok: true, result: read.frame } : { ok: false, issue: read.issues[0] as DecodeIssue };
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

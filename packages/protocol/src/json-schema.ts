// Builds the JSON Schema document that clients in other languages are generated from.
// Deliberately not exported from `index.ts`: `z.toJSONSchema` would otherwise ride along into the client bundle.
// `scripts/generate-json-schema.ts` writes the result to `schema/protocol.schema.json`; a test checks it is current.
import * as z from 'zod/mini';
import { ackResultSchemas } from './ack-results';
import { CLOSE_CODES } from './close-codes';
import { UNSEQUENCED_SERVER_TYPES } from './delivery';
import { ChatMessage, PresenceDevice, PresenceEntry, RoomPresence, RoomRecovery, RoomSnapshot, User } from './entities';
import { ERROR_CODES } from './error-codes';
import { Limits, RefusedRoom } from './frames';
import { RoomPosition, StreamPosition } from './position';
import { clientFrameSchemas, serverFrameSchemas } from './unions';
import { PROTOCOL_VERSION } from './version';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The schemas shared by several frames, emitted once under `$defs` and referenced by name. */
const sharedSchemas: Readonly<Record<string, z.ZodMiniType>> = {
  ChatMessage,
  Limits,
  PresenceDevice,
  PresenceEntry,
  RefusedRoom,
  RoomPosition,
  RoomPresence,
  RoomRecovery,
  RoomSnapshot,
  StreamPosition,
  User,
};

/** Ranges a client falls back on for a close code it does not know (see `closeVerdict`). */
const CLOSE_CODE_RANGES = [
  { from: 4000, to: 4099, verdict: 'resume' },
  { from: 4100, to: 4199, verdict: 'reidentify' },
  { from: 4200, to: 4299, verdict: 'refresh_token' },
  { from: 4300, to: 4999, verdict: 'fatal' },
] as const;

/** `chat.stream_chunk` → `ChatStreamChunk`, `heartbeat_ack` → `HeartbeatAck`. */
export function pascalCase(type: string): string {
  return type
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The `$defs` name of a frame type in one direction: `ClientChatSend`, `ServerChatMessage`. */
export function frameDefName(direction: 'client' | 'server', type: string): string {
  return `${direction === 'client' ? 'Client' : 'Server'}${pascalCase(type)}`;
}

/** The `$defs` name of the `ack` result of a request type: `AckResultChatSend`. */
export function ackResultDefName(type: string): string {
  return `AckResult${pascalCase(type)}`;
}

function asJson(value: unknown): JsonObject {
  // A round trip drops the `~standard` property zod attaches and anything else JSON cannot hold.
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

function defRef(name: string): JsonObject {
  return { $ref: `#/$defs/${name}` };
}

/**
 * Converts one schema, moving the shared schemas it uses into `defs`. Each conversion emits the shared
 * ones it met under `#/$defs/<name>`, which is where the combined document keeps them too.
 */
function convert(schema: z.ZodMiniType, defs: Map<string, JsonObject>): JsonObject {
  const registry = z.registry<{ id: string }>();
  for (const [id, shared] of Object.entries(sharedSchemas)) registry.add(shared, { id });
  // `input`: the schema of what a receiver accepts, so unknown fields stay allowed (they are ignored)
  // and optional fields stay optional. Unrepresentable types throw, so a new one cannot slip through.
  const converted = asJson(
    z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw', metadata: registry }),
  );
  const { $schema: _dialect, $defs: nested, ...rest } = converted;
  if (nested !== undefined && nested !== null && typeof nested === 'object' && !Array.isArray(nested)) {
    for (const [name, def] of Object.entries(nested)) addDef(defs, name, def as JsonObject);
  }
  return rest;
}

function addDef(defs: Map<string, JsonObject>, name: string, def: JsonObject): void {
  const existing = defs.get(name);
  if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(def)) {
    throw new Error(`Two different schemas want the $defs name "${name}".`);
  }
  defs.set(name, def);
}

function frameDefs(direction: 'client' | 'server', defs: Map<string, JsonObject>): JsonObject[] {
  const schemas: Readonly<Record<string, z.ZodMiniType>> =
    direction === 'client' ? clientFrameSchemas : serverFrameSchemas;
  const unsequenced: ReadonlySet<string> = new Set(UNSEQUENCED_SERVER_TYPES);
  return Object.entries(schemas).map(([type, schema]) => {
    const name = frameDefName(direction, type);
    const annotations: JsonObject = {
      title: `${type} (${direction === 'client' ? 'client → server' : 'server → client'})`,
      'x-direction': direction === 'client' ? 'client_to_server' : 'server_to_client',
    };
    if (direction === 'server') annotations['x-sequenced'] = !unsequenced.has(type);
    addDef(defs, name, { ...annotations, ...convert(schema, defs) });
    return defRef(name);
  });
}

function sortedObject(entries: Iterable<[string, JsonObject]>): JsonObject {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The whole protocol as one JSON Schema (draft 2020-12): a `$defs` entry per frame and direction, the
 * `ClientFrame` and `ServerFrame` unions, the shared entities, the `ack` result of each request type, and
 * the close-code and error-code tables as data. Pure and deterministic: same source, same document.
 */
export function buildJsonSchema(): JsonObject {
  const defs = new Map<string, JsonObject>();
  const clientRefs = frameDefs('client', defs);
  const serverRefs = frameDefs('server', defs);
  addDef(defs, 'ClientFrame', {
    title: 'Any frame a client may send',
    description: 'Discriminated on `type`: exactly one branch has the matching `type` constant.',
    oneOf: clientRefs,
  });
  addDef(defs, 'ServerFrame', {
    title: 'Any frame a server may send',
    description: 'Discriminated on `type`: exactly one branch has the matching `type` constant.',
    oneOf: serverRefs,
  });
  const ackResults: JsonObject = {};
  for (const [type, schema] of Object.entries(ackResultSchemas)) {
    const name = ackResultDefName(type);
    addDef(defs, name, { title: `Result of ${type} (the payload of its ack)`, ...convert(schema, defs) });
    ackResults[type] = defRef(name);
  }

  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:gateway:protocol:v${PROTOCOL_VERSION}`,
    title: `Gateway protocol v${PROTOCOL_VERSION}`,
    description:
      'Every frame of the gateway WebSocket protocol, generated from the zod schemas of @gateway/protocol. ' +
      'PROTOCOL.md is the prose contract. Receivers ignore unknown fields, so objects allow additional properties.',
    'x-protocol-version': PROTOCOL_VERSION,
    anyOf: [defRef('ClientFrame'), defRef('ServerFrame')],
    'x-close-codes': Object.entries(CLOSE_CODES).map(([name, entry]) => ({
      code: entry.code,
      name,
      verdict: entry.verdict,
      description: entry.description,
    })),
    'x-close-code-ranges': CLOSE_CODE_RANGES.map((range) => ({ ...range })),
    'x-error-codes': Object.entries(ERROR_CODES).map(([code, description]) => ({ code, description })),
    'x-unsequenced-server-types': [...UNSEQUENCED_SERVER_TYPES],
    'x-ack-results': ackResults,
    $defs: sortedObject(defs),
  };
}

/** The checked-in file's exact text: 2-space indent and a trailing newline. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}

import { type BackplaneMessage, type Channel, roomOfChannel } from '../core/ports/backplane';
import type { LoggedAt } from '../core/ports/room-logs';

/** The version of the JSON a networked backplane puts on its channels; readers drop other versions. */
export const WIRE_VERSION = 1;

/**
 * A message as it travels between instances:
 * `{"v":1,"type":…,"body":…,"sequenced":bool,"exclude":{…}?,"origin":server_id,"echo":id?,"pos":stream_id?}`.
 * `pos` is added by the Redis script that records a sequenced message, and so is `log` (`{epoch, offset}`) for
 * a room dispatch it numbered in the room's log, so neither is ever written here. `echo` names one publish of
 * the sending process, so it can tell its own message when it comes back.
 */
export interface WireMessage {
  v: typeof WIRE_VERSION;
  type: string;
  body: string;
  sequenced: boolean;
  exclude?: BackplaneMessage['exclude'];
  origin: string;
  echo?: string;
  pos?: string;
  log?: { epoch: string; offset: number };
}

/** A message read off the wire, with the publisher's `echo` id when it set one. */
export interface DecodedWire extends BackplaneMessage {
  readonly echo?: string;
}

/** Serialises a message for the wire; the result ends with `}` so the Redis script can append `pos`. */
export function encodeWire(message: BackplaneMessage, origin: string, echo?: string): string {
  const wire: WireMessage = {
    v: WIRE_VERSION,
    type: message.type,
    body: message.body,
    sequenced: message.sequenced,
    ...(message.exclude === undefined ? {} : { exclude: message.exclude }),
    origin,
    ...(echo === undefined ? {} : { echo }),
  };
  return JSON.stringify(wire);
}

function readLog(value: unknown, roomId: string): LoggedAt | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { epoch, offset } = value as { epoch?: unknown; offset?: unknown };
  if (typeof epoch !== 'string' || typeof offset !== 'number' || !Number.isSafeInteger(offset)) return undefined;
  return { roomId, epoch, offset };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function readExclude(value: unknown): BackplaneMessage['exclude'] | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) return null;
  const { sessions, users } = value as { sessions?: unknown; users?: unknown };
  if (sessions !== undefined && !isStringList(sessions)) return null;
  if (users !== undefined && !isStringList(users)) return null;
  return {
    ...(sessions === undefined ? {} : { sessions }),
    ...(users === undefined ? {} : { users }),
  };
}

/**
 * Reads a message another instance (or another program) put on a channel. Null for anything that is not
 * a well-formed version-1 message: a foreign publisher must not be able to break delivery.
 */
export function decodeWire(text: string, channel?: string): DecodedWire | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const wire = parsed as Partial<Record<keyof WireMessage, unknown>>;
  if (wire.v !== WIRE_VERSION) return null;
  if (typeof wire.type !== 'string' || typeof wire.body !== 'string' || typeof wire.sequenced !== 'boolean') {
    return null;
  }
  const exclude = readExclude(wire.exclude);
  if (exclude === null) return null;
  const roomId = channel === undefined ? undefined : roomOfChannel(channel);
  const logged = roomId === undefined ? undefined : readLog(wire.log, roomId);
  return {
    type: wire.type,
    body: wire.body,
    sequenced: wire.sequenced,
    ...(exclude === undefined ? {} : { exclude }),
    ...(typeof wire.pos === 'string' ? { position: wire.pos } : {}),
    ...(logged === undefined ? {} : { logged }),
    ...(typeof wire.origin === 'string' ? { origin: wire.origin } : {}),
    ...(typeof wire.echo === 'string' ? { echo: wire.echo } : {}),
  };
}

/** `room:x`, `user:x`, `all`, `presence` or `moderation` from a prefixed Redis channel name; null for anything else. */
export function channelFromKey(key: string, prefix: string): Channel | null {
  if (!key.startsWith(prefix)) return null;
  const channel = key.slice(prefix.length);
  if (channel === 'all' || channel === 'presence' || channel.startsWith('room:') || channel.startsWith('user:')) {
    return channel as Channel;
  }
  if (channel === 'moderation') return channel;
  if (channel.startsWith('node:')) return channel as Channel;
  return null;
}

/** The channel of a sharded pub/sub name (`{prefix}{room:x}`, see `shardChannelKey`); null for anything else. */
export function channelFromShardKey(key: string, prefix: string): Channel | null {
  if (!key.startsWith(`${prefix}{`) || !key.endsWith('}')) return null;
  return channelFromKey(prefix + key.slice(prefix.length + 1, -1), prefix);
}

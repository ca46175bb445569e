import * as z from 'zod/mini';
import * as f from './frames';

/** Every frame a client may send, in one list; the union, the lookup map and the types all come from it. */
const clientFrameList = [
  f.Identify,
  f.Resume,
  f.Heartbeat,
  f.HeartbeatAck,
  f.Replay,
  f.Reauth,
  f.Subscribe,
  f.Unsubscribe,
  f.GuildSubscribe,
  f.GuildUnsubscribe,
  f.ChatSend,
  f.ChatEdit,
  f.ChatDelete,
  f.ChatHistory,
  f.ChatStreamFetch,
  f.PresenceSet,
  f.PresenceList,
  f.TypingStartRequest,
  f.TypingStopRequest,
  f.RecordingStartRequest,
  f.RecordingEventRequest,
  f.RecordingStopRequest,
] as const;

/** Every frame a server may send. */
const serverFrameList = [
  f.Hello,
  f.Ready,
  f.Resumed,
  f.InvalidSession,
  f.Reconnect,
  f.Goodbye,
  f.AuthExpiring,
  f.Heartbeat,
  f.HeartbeatAck,
  f.Ack,
  f.ErrorFrame,
  f.Subscribed,
  f.Unsubscribed,
  f.ChatMessageFrame,
  f.ChatMessageUpdate,
  f.ChatMessageDelete,
  f.ChatStreamStart,
  f.ChatStreamChunk,
  f.ChatStreamEnd,
  f.PresenceDiff,
  f.TypingStart,
  f.TypingStop,
  f.RecordingStart,
  f.RecordingEvent,
  f.RecordingStop,
  f.GuildCreate,
  f.GuildUpdate,
  f.GuildDelete,
  f.ChannelCreate,
  f.ChannelUpdate,
  f.ChannelDelete,
  f.GuildMemberAdd,
  f.GuildMemberRemove,
  f.UserUpdate,
  f.VoiceStateUpdate,
  f.VoiceServerUpdate,
  f.SystemFrame,
] as const;

// Marked pure here: esbuild otherwise kept these unions, and every schema they name, in bundles that never
// read them (the client's), zod's own marker notwithstanding.
export const ClientFrame = /* @__PURE__ */ z.discriminatedUnion('type', clientFrameList);
export type ClientFrame = z.infer<typeof ClientFrame>;

export const ServerFrame = /* @__PURE__ */ z.discriminatedUnion('type', serverFrameList);
export type ServerFrame = z.infer<typeof ServerFrame>;

export type ClientFrameType = ClientFrame['type'];
export type ServerFrameType = ServerFrame['type'];

/** A frame schema keyed by its `type`, for lookups by name. */
export type FrameSchema = (typeof clientFrameList)[number] | (typeof serverFrameList)[number];

type SchemaMap<L extends readonly FrameSchema[]> = {
  readonly [S in L[number] as z.infer<S>['type']]: S;
};

// Free of side effects, so a bundle that reads one direction's map leaves the other direction's schemas out.
// @__NO_SIDE_EFFECTS__
function byType<L extends readonly FrameSchema[]>(list: L): SchemaMap<L> {
  return Object.fromEntries(list.map((schema) => [schema.shape.type.def.values[0], schema])) as SchemaMap<L>;
}

export const clientFrameSchemas = byType(clientFrameList);
export const serverFrameSchemas = byType(serverFrameList);

/** Payload of each client frame type: `ClientPayloads['chat.send']`. */
export type ClientPayloads = { [F in ClientFrame as F['type']]: F['payload'] };
/** Payload of each server frame type: `ServerPayloads['chat.message']`. */
export type ServerPayloads = { [F in ServerFrame as F['type']]: F['payload'] };

export type ClientFrameOf<T extends ClientFrameType> = Extract<ClientFrame, { type: T }>;
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;

import type {
  AckResults,
  ClientPayloads,
  CustomClientPayloads,
  EventDefinition,
  ServerPayloads,
} from '@gateway/protocol';

type Definitions = readonly EventDefinition[];
type SubscribedPayload = ServerPayloads['subscribed'];
type UnsubscribedPayload = ServerPayloads['unsubscribed'];

/** Frames only the client's own handshake and heartbeat send. */
type HandshakeType = 'identify' | 'resume' | 'heartbeat' | 'heartbeat_ack';

/** Payloads `request()` accepts: the built-in requests and the application's client events. */
export type RequestPayloads<Defs extends Definitions = []> = Omit<ClientPayloads, HandshakeType> &
  CustomClientPayloads<Defs>;

type ReplyResults = AckResults & {
  subscribe: SubscribedPayload;
  'guild.subscribe': SubscribedPayload;
  unsubscribe: UnsubscribedPayload;
  'guild.unsubscribe': UnsubscribedPayload;
};

/** What a request resolves with: its typed ack result, or the ack's free-form payload for other types. */
export type RequestResult<T> = T extends keyof ReplyResults ? ReplyResults[T] : Record<string, unknown> | undefined;

export interface SendMessageOptions {
  kind?: ClientPayloads['chat.send']['kind'];
  metadata?: Record<string, unknown>;
  /** Reuse the id of an earlier attempt so the server drops the duplicate. Default: a fresh random id. */
  clientMsgId?: string;
}

/**
 * How a send behaves when the connection is not ready:
 * `retry` is queued and sent again after a reconnect (the server deduplicates or it is idempotent);
 * `once` is queued but rejected with `disconnected` if the connection drops while it is on the wire;
 * `live` is never queued (typing, presence: stale by the time it could go out).
 */
export type Delivery = 'retry' | 'once' | 'live';

export {
  type AckResults,
  type ChatMessage,
  CloseCode,
  type CloseVerdict,
  closeVerdict,
  type DeviceType,
  defineEvent,
  type EventDefinition,
  PROTOCOL_VERSION,
  type PresenceEntry,
  type PresenceStatus,
  type RoomPosition,
  type RoomRecovery,
  recoveryReplays,
  type ServerPayloads,
  type User,
} from '@gateway/protocol';
export { type BackoffPolicy, backoffDelay } from './backoff';
export { createClient, GatewayClient } from './client';
export { GatewayClientError, type GatewayErrorCode } from './errors';
export type { ClientEventArgs, ClientEvents, ClientState, MetaEvents, PresenceChange } from './events';
export type { Lifecycle, LifecycleEvent } from './lifecycle';
export type { ClientOptions, PresenceOptions, ReconnectOptions } from './options';
export type { PresenceState, PresenceView } from './presence-view';
export type { ScheduledReconnect } from './reconnect-schedule';
export type { RequestPayloads, RequestResult, SendMessageOptions } from './request-types';
export type { Gap } from './sequencer';
export type { Clock, TimerHandle } from './timer';
export type { WebSocketConstructor, WebSocketLike } from './transport';
export type { TypingChange, TypingView } from './typing-view';

// What an app defines its own events with, so a server-only app needs no direct dependency on the protocol.
export { type DefineEventOptions, defineEvent, type EventDefinition, type EventDirection } from '@gateway/protocol';
export { createJwtVerifier, type JwtVerifierOptions } from './auth/jwt';
export { type AuthMode, type AuthSettings, resolveAuth } from './auth/resolve';
export { type EnvConfig, readConfig } from './config';
export type { DisconnectOptions, DisconnectResult, DrainOptions, Gateway, StopOptions } from './core/api';
export { TokenExpiredError } from './core/errors';
export type { GatewayStream, StartStreamOptions } from './core/handlers/streams';
export type { MaybePromise } from './core/maybe-promise';
export type {
  AuthenticatedUser,
  Authorize,
  AuthorizeRequest,
  AuthorizeResult,
  GatewayOptions,
  LoadHistory,
  LoadHistoryRequest,
  PersistMessage,
  VerifyToken,
} from './core/options';
export type {
  Backplane,
  BackplaneListener,
  BackplaneMessage,
  BackplaneNode,
  BackplaneNodeOptions,
  BackplaneState,
  BackplaneStatus,
  Channel,
  DedupStore,
  HistoryStore,
  PresenceStore,
  SessionRecords,
  SessionStore,
  SharedState,
  StoredDevice,
  UnpublishedStore,
} from './core/ports';
export type { Ban, BanSettings, BanStore } from './core/ports/ban-store';
export { type Clock, systemClock, type TimerHandle } from './core/ports/clock';
export type { Connection, ConnectionHandle, ConnectionInfo } from './core/ports/connection';
export type { Logger } from './core/ports/logger';
export { aggregateStatus } from './core/presence/aggregate';
export type { RoomPattern } from './core/room-pattern';
export type {
  BroadcastOptions,
  ClientEventType,
  EventHandler,
  GatewayStats,
  HandlerContext,
  OutgoingEvent,
  ReplayedEvent,
  RoomStatus,
  SendTarget,
  ServerEventMap,
  ServerEventType,
} from './core/types';
export { createGateway } from './gateway';
export type { Publication, PublicationErrorCode, PublicationIssue, PublishTarget } from './ingress/publication';
export { InMemoryBackplane } from './memory/backplane';
export { inMemorySharedState } from './memory/shared-state';
export {
  createPublisher,
  createRedisPublisher,
  type HttpPublisherOptions,
  PublishError,
  type Publisher,
  type RedisPublisherOptions,
} from './publisher';
export { RedisBackplane, type RedisBackplaneOptions, type RedisBackplaneStatus } from './redis/backplane';
export { createRedisSharedState, type RedisSharedState, type RedisSharedStateOptions } from './redis/shared-state';
export { type RunningServer, type ServerOptions, startServer } from './server';

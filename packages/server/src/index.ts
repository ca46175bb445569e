export { createJwtVerifier, type JwtVerifierOptions } from './auth/jwt';
export { type AuthMode, type AuthSettings, resolveAuth } from './auth/resolve';
export { InMemoryBackplane } from './backplane/in-memory';
export { RedisBackplane, type RedisBackplaneOptions, type RedisBackplaneStatus } from './backplane/redis';
export type {
  Backplane,
  BackplaneListener,
  BackplaneMessage,
  BackplaneNode,
  BackplaneNodeOptions,
  BackplaneState,
  BackplaneStatus,
  Channel,
} from './backplane/types';
export { type EnvConfig, readConfig } from './config';
export { type Clock, systemClock, type TimerHandle } from './core/clock';
export type { Connection, ConnectionHandle, ConnectionInfo } from './core/connection';
export { TokenExpiredError } from './core/errors';
export { createGateway, type DrainOptions, type Gateway, type StopOptions } from './core/gateway';
export type { GatewayStream, StartStreamOptions } from './core/handlers/streams';
export type { Logger } from './core/logger';
export type {
  AuthenticatedUser,
  Authorize,
  AuthorizeRequest,
  AuthorizeResult,
  GatewayOptions,
  PersistMessage,
  VerifyToken,
} from './core/options';
export { aggregateStatus } from './core/presence';
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
export type { Publication, PublicationErrorCode, PublicationIssue, PublishTarget } from './ingress/publication';
export {
  createPublisher,
  createRedisPublisher,
  type HttpPublisherOptions,
  PublishError,
  type Publisher,
  type RedisPublisherOptions,
} from './publisher';
export { type RunningServer, type ServerOptions, startServer } from './server';
export { inMemorySharedState } from './state/in-memory';
export { createRedisSharedState, type RedisSharedState, type RedisSharedStateOptions } from './state/redis-state';
export type { DedupStore, HistoryStore, MaybePromise, SharedState } from './state/types';

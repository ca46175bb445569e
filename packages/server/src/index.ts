export { createJwtVerifier, type JwtVerifierOptions } from './auth/jwt';
export { type AuthMode, type AuthSettings, resolveAuth } from './auth/resolve';
export { InMemoryBackplane } from './backplane/in-memory';
export type { Backplane, BackplaneListener, BackplaneMessage, BackplaneNode, Channel } from './backplane/types';
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
export { type RunningServer, type ServerOptions, startServer } from './server';

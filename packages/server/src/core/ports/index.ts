// The ports of the core: everything it needs from the world, as interfaces. Implementations live outside
// core (in-memory ones in memory/, Redis ones in redis/, the socket adapter in transport/), and the core
// imports none of them.
export * from './backplane';
export * from './clock';
export * from './connection';
export * from './logger';
export * from './metrics';
export * from './presence-store';
export * from './room-logs';
export * from './session-store';
export * from './shared-state';
export * from './unpublished-store';

export { InMemoryBackplane } from './in-memory';
export { RedisBackplane, type RedisBackplaneOptions, type RedisBackplaneStatus } from './redis';
export {
  ALL_CHANNEL,
  type Backplane,
  type BackplaneListener,
  type BackplaneMessage,
  type BackplaneNode,
  type BackplaneNodeOptions,
  type BackplaneState,
  type BackplaneStatus,
  type Channel,
  roomChannel,
  userChannel,
} from './types';

export { InMemoryBackplane } from './in-memory';
export {
  ALL_CHANNEL,
  type Backplane,
  type BackplaneListener,
  type BackplaneMessage,
  type BackplaneNode,
  type Channel,
  roomChannel,
  userChannel,
} from './types';

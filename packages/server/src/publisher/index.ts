export { createPublisher, type HttpPublisherOptions } from './http';
export { createRedisPublisher, type RedisPublisherOptions } from './redis';
export { type PublicationIssue, PublishError, type Publisher, type PublishTarget } from './types';

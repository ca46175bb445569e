// The gateway under test: `startServer` from @gateway/server (bundled by the runner from source, or the
// built dist), in memory or on Redis (BENCH_REDIS_URL), plus the bench control channel. A publish is
// `gateway.broadcast('chat.message', payload, {room})`: the production fan-out path (serialise once, per-session
// seq, replay buffer, slow-consumer check); a client publishing uses `chat.send` (rate limits lifted). Global
// presence is off, as shipped and as the design advises for large deployments (with it every identify fans out
// to every connection); `--defaults` (the connect storm, the visible fan-out) names no presence option at all.
import { createRedisSharedState, RedisBackplane, startServer } from '@gateway/server';
import { announce, chatPayload, nowUs, startControl } from './common.mjs';

/** @param {unknown} obj @param {string} [msg] */
const toStderr = (obj, msg) => process.stderr.write(`${JSON.stringify({ ...Object(obj), msg })}\n`);
const logger = { debug() {}, info() {}, warn: toStderr, error: toStderr };

const redisUrl = process.env.BENCH_REDIS_URL;
const redisCluster = process.env.BENCH_REDIS_CLUSTER?.split(',');
// Which keys a publish writes on a single Redis: `both` as shipped (the events stream and the room's log),
// `single` the events stream alone (before room logs), `rooms` the room's log alone (a cluster's layout).
const layout = process.env.BENCH_REDIS_LAYOUT ?? 'both';
/** @returns {Promise<object>} */
async function redisOptions() {
  if (redisCluster !== undefined) return { redisCluster };
  if (!redisUrl) return {};
  if (layout === 'both') return { redisUrl };
  const backplane = new RedisBackplane({
    url: redisUrl,
    eventsStream: layout !== 'rooms',
    roomLogs: layout !== 'single',
  });
  // Made here, so connected here first, as the server does with its own.
  await backplane.whenReady(5_000);
  return { backplane, sharedState: createRedisSharedState({ url: redisUrl }) };
}
const defaults = process.argv.includes('--defaults');
const unlimited = { burst: 1e9, perSecond: 1e9 };
const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  logger,
  ...(defaults ? {} : { globalPresence: false }),
  // A publishing client sends as fast as the closed loop lets it; joins set presence once each.
  rateLimits: { general: unlimited, presence: unlimited },
  // Every load connection comes from one loopback address: the per-address caps would refuse all but 100.
  maxConnectionsPerAddress: Number.POSITIVE_INFINITY,
  maxUnidentifiedPerAddress: Number.POSITIVE_INFINITY,
  ...(await redisOptions()),
});
const { gateway } = server;

/**
 * @param {string} roomId
 * @param {number} n
 * @param {number} [bytes]
 */
function publish(roomId, n, bytes) {
  gateway.broadcast('chat.message', chatPayload(roomId, n, nowUs(), bytes), { room: roomId });
}

const controlPort = await startControl(publish, () => ({ connections: gateway.stats().connections }));
announce({ port: server.port, controlPort, path: '/ws' });

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventDefinition } from '@gateway/protocol';
import pino from 'pino';
import { assertModeAllowed, isProductionEnv } from './auth/production-guard';
import { DEV_MODE_WARNING, resolveAuth } from './auth/resolve';
import type { Gateway } from './core/api';
import { retentionResolver } from './core/log-retention';
import { DEFAULT_PRESENCE_TTL_MS, type GatewayOptions } from './core/options';
import { systemClock } from './core/ports/clock';
import type { Logger } from './core/ports/logger';
import type { MetricsObserver } from './core/ports/metrics';
import { createGateway } from './gateway';
import { createDemoFiles } from './http/demo-files';
import { createHttpHandler } from './http/handler';
import { createModerationEndpoint } from './http/moderation';
import { operatorAccess } from './http/operator-access';
import { createPublishEndpoint } from './http/publish';
import { createPrometheusMetrics } from './metrics/prometheus';
import { RedisBackplane } from './redis/backplane';
import { targetOf } from './redis/connect';
import { startRedisIngress } from './redis/ingress';
import { openRedisBackplane, REDIS_STARTUP_WAIT_MS, storesBeside } from './redis/open';
import { openRedisSharedState } from './redis/shared-state';
import { addressCap } from './transport/address-caps';
import { clientAddressResolver, type TrustProxy } from './transport/client-address';
import { attachWebSocketTransport } from './transport/ws';

export interface ServerOptions<Events extends readonly EventDefinition[] = readonly EventDefinition[]>
  extends GatewayOptions<Events> {
  /** 0 picks a free port. @default 8081 */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /**
   * HS256 secret; without it (undefined or empty, and without `verifyToken`) the server runs in dev mode.
   * Undefined is accepted so `jwtSecret: process.env.JWT_SECRET` compiles under `exactOptionalPropertyTypes`.
   */
  jwtSecret?: string | undefined;
  /** With `jwtSecret`: the `aud` values accepted (a token must carry one of them). @default no check */
  jwtAudience?: string | readonly string[] | undefined;
  /** With `jwtSecret`: the `iss` values accepted. @default no check */
  jwtIssuer?: string | readonly string[] | undefined;
  /** Level of the pino logger made when `logger` is absent. @default 'info' */
  logLevel?: string;
  /** WebSocket path. @default '/ws' */
  path?: string;
  /** Directory the demo page is served from. @default `<package>/demo/public` */
  demoDir?: string;
  /**
   * Production refuses dev mode (no secret, no verifier) unless `allowDevMode`.
   * @default NODE_ENV is `production`, whatever its case and surrounding spaces
   */
  production?: boolean;
  /** Run dev mode even in production (with a loud warning). @default GATEWAY_DEV_MODE === '1' */
  allowDevMode?: boolean;
  /**
   * Redis for running several instances (`redis://host:6379`): without a `backplane` option the server makes
   * a `RedisBackplane` on it, and closes it on `close()`. Absent: one process, in memory.
   */
  redisUrl?: string;
  /**
   * A Redis Cluster instead of `redisUrl`, named by some of its nodes (`redis://host:port` each): the backplane
   * shards its channels and room logs over the cluster (docs/redis.md, "Redis Cluster").
   */
  redisCluster?: readonly string[];
  /** Prefix of every Redis channel and key, so deployments can share a Redis. @default 'gw:' */
  redisPrefix?: string;
  /**
   * Server key for `POST /publish` (other services send `Authorization: Bearer <key>`). Absent: the
   * endpoint answers 404.
   */
  publishKey?: string;
  /** Largest `POST /publish` body. @default 65536 */
  publishMaxBytes?: number;
  /**
   * Key for the operator endpoints `GET /stats`, `GET /rooms/:id` and `GET /metrics` (`Authorization: Bearer
   * <key>`; anything else is answered 401). Absent: `publishKey` serves; with neither, the endpoints answer
   * 404, except in dev mode outside production, where they stay open (docs/http.md).
   */
  operatorKey?: string | undefined;
  /**
   * Proxies allowed to name the client in `X-Forwarded-For`, for the per-address caps and the logs: a number of
   * hops that stand before every request, or their addresses and CIDR ranges. @default none: the socket's peer
   * is the client and `X-Forwarded-For` is ignored
   */
  trustProxy?: TrustProxy | undefined;
  /**
   * WebSocket connections one client address (an IPv6 client's /64) may hold; the next upgrade is answered 429.
   * Room for a household or an office behind one NAT, each user holding up to `maxConnectionsPerUser`. A
   * positive whole number or `Infinity`. @default 100
   */
  maxConnectionsPerAddress?: number;
  /**
   * Of those, connections that have not identified (or resumed) yet, each holding an identify deadline of
   * `identifyTimeoutMs`; the next upgrade is answered 429. Honest clients identify within a round trip.
   * @default 10
   */
  maxUnidentifiedPerAddress?: number;
  /** How long an HTTP request may take to send its headers before the socket is closed, in ms. @default 10000 */
  headersTimeoutMs?: number;
  /** How long an HTTP request may take to arrive whole (headers and body), in ms. @default 30000 */
  requestTimeoutMs?: number;
  /**
   * How long an idle keep-alive HTTP connection is kept between requests, in ms. Behind a load balancer that
   * reuses connections, set it above the balancer's idle timeout. @default 5000
   */
  keepAliveTimeoutMs?: number;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;

function positiveMs(name: string, value: number): number {
  if (Number.isFinite(value) && value > 0) return value;
  throw new RangeError(`${name} must be a positive, finite number of milliseconds, got ${value}.`);
}

/** Node enforces its HTTP deadlines on a timer: checked this often, a slow client is cut within a quarter more. */
function checkingIntervalMs(headersTimeoutMs: number, requestTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 4)));
}

/** Both observers told of every timing. */
function both(first: MetricsObserver, second: MetricsObserver): MetricsObserver {
  return {
    observeAckLatency(ms) {
      first.observeAckLatency(ms);
      second.observeAckLatency(ms);
    },
    observeFanout(ms, deliveries) {
      first.observeFanout(ms, deliveries);
      second.observeFanout(ms, deliveries);
    },
    observePersist(ms) {
      first.observePersist(ms);
      second.observePersist(ms);
    },
  };
}

export interface RunningServer<Events extends readonly EventDefinition[] = readonly EventDefinition[]> {
  /** `http://host:port` (localhost when bound to every interface). */
  url: string;
  /** `ws://host:port/ws`. */
  wsUrl: string;
  port: number;
  gateway: Gateway<Events>;
  /**
   * Who may read `/stats`, `/rooms/:id` and `/metrics`: `key` (the operator key, else the publish key), `open`
   * (dev mode outside production, no key set) or `off` (no key: they answer 404).
   */
  operatorEndpoints: 'key' | 'open' | 'off';
  /**
   * `gateway.stop()` (new work refused, in-flight messages delivered, then reconnect + goodbye + close 4002
   * to every connection and every session ends), waits briefly for the sockets to close, then stops listening.
   */
  close(): Promise<void>;
}

/** HTTP and WebSocket on one port, wired to a gateway core. */
export async function startServer<const Events extends readonly EventDefinition[] = []>(
  options: ServerOptions<Events> = {},
): Promise<RunningServer<Events>> {
  const logger: Logger = options.logger ?? pino({ level: options.logLevel ?? 'info' });
  const clock = options.clock ?? systemClock;
  const auth = resolveAuth({
    jwtSecret: options.jwtSecret,
    jwtAudience: options.jwtAudience,
    jwtIssuer: options.jwtIssuer,
    verifyToken: options.verifyToken,
    now: () => clock.now(),
  });
  const production = options.production ?? isProductionEnv(process.env.NODE_ENV);
  assertModeAllowed({
    mode: auth.mode,
    production,
    allowDevMode: options.allowDevMode ?? process.env.GATEWAY_DEV_MODE === '1',
  });
  if (auth.mode === 'dev') {
    if (production)
      logger.error({ mode: 'dev', production }, `PRODUCTION IN DEV MODE (asked for). ${DEV_MODE_WARNING}`);
    else logger.warn({ mode: 'dev' }, DEV_MODE_WARNING);
  }
  const {
    port: wantedPort = 8081,
    host = '0.0.0.0',
    jwtSecret: _secret,
    jwtAudience: _audience,
    jwtIssuer: _issuer,
    logLevel: _level,
    production: _production,
    allowDevMode: _allowDevMode,
    path,
    demoDir,
    redisUrl,
    redisCluster,
    redisPrefix,
    publishKey,
    publishMaxBytes,
    operatorKey,
    trustProxy,
    maxConnectionsPerAddress,
    maxUnidentifiedPerAddress,
    headersTimeoutMs = DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs = DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    ...rest
  } = options;
  positiveMs('headersTimeoutMs', headersTimeoutMs);
  positiveMs('requestTimeoutMs', requestTimeoutMs);
  positiveMs('keepAliveTimeoutMs', keepAliveTimeoutMs);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new RangeError(
      `headersTimeoutMs (${headersTimeoutMs}) must not exceed requestTimeoutMs (${requestTimeoutMs}): the headers are part of the request.`,
    );
  }
  // Checked before anything is opened, so a typo cannot leave Redis connections behind.
  clientAddressResolver(trustProxy);
  if (maxConnectionsPerAddress !== undefined) addressCap('maxConnectionsPerAddress', maxConnectionsPerAddress);
  if (maxUnidentifiedPerAddress !== undefined) addressCap('maxUnidentifiedPerAddress', maxUnidentifiedPerAddress);
  const operator = operatorAccess({ operatorKey, publishKey, mode: auth.mode, production });
  // Nobody may read them: no histogram is kept.
  const prometheus = operator.kind === 'off' ? undefined : createPrometheusMetrics();
  const metrics =
    prometheus === undefined
      ? rest.metrics
      : rest.metrics === undefined
        ? prometheus.observer
        : both(rest.metrics, prometheus.observer);
  const target = targetOf({ url: redisUrl, cluster: redisCluster });
  const redis = target === undefined ? undefined : { target, prefix: redisPrefix, logger, clock };
  const ownBackplane =
    rest.backplane === undefined && redis !== undefined
      ? await openRedisBackplane({
          ...redis,
          retentionFor: retentionResolver(rest.roomLogRetention, rest.roomLogDefault),
        })
      : undefined;
  // Dedup and room history shared by the instances, on the same Redis (A4).
  const ownState =
    rest.sharedState === undefined && redis !== undefined ? await openRedisSharedState(redis) : undefined;
  const backplane = rest.backplane ?? ownBackplane;
  // A Redis backplane, made here or given, brings the presence snapshot and the session records beside it.
  const beside =
    backplane instanceof RedisBackplane
      ? storesBeside(backplane, { presenceTtlMs: rest.presenceTtlMs ?? DEFAULT_PRESENCE_TTL_MS, logger })
      : undefined;
  const presenceStore = rest.presenceStore ?? beside?.presenceStore;
  const sessionStore = rest.sessionStore ?? beside?.sessionStore;
  const gateway = createGateway<Events>({
    ...rest,
    ...(backplane === undefined ? {} : { backplane }),
    ...(ownState === undefined ? {} : { sharedState: ownState }),
    ...(presenceStore === undefined ? {} : { presenceStore }),
    ...(sessionStore === undefined ? {} : { sessionStore }),
    logger,
    clock,
    ...(auth.verifyToken === undefined ? {} : { verifyToken: auth.verifyToken }),
    ...(metrics === undefined ? {} : { metrics }),
  });
  // Only when Redis answered: otherwise the load waits for Redis, and startup has waited for it once already.
  const backplaneUp = gateway.stats().backplane.state === 'ok';
  if (backplaneUp && !(await gateway.presenceLoaded(REDIS_STARTUP_WAIT_MS))) {
    logger.warn({}, 'presence of the other instances not loaded yet: listening anyway, it follows when Redis answers');
  }
  const maxFrameBytes = options.maxFrameBytes ?? 16_384;
  // ws would otherwise take up to 100 MiB before the gateway's own check could refuse it.
  const publish =
    publishKey === undefined
      ? undefined
      : createPublishEndpoint({
          gateway,
          key: publishKey,
          events: rest.events ?? [],
          logger,
          ...(publishMaxBytes === undefined ? {} : { maxBodyBytes: publishMaxBytes }),
        });
  // Acting on users needs a key in every mode: the operator key, or the publish key as for the reading endpoints.
  const moderationKey = operatorKey ?? publishKey;
  const moderation =
    moderationKey === undefined ? undefined : createModerationEndpoint({ gateway, key: moderationKey, logger });
  const http = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(headersTimeoutMs, requestTimeoutMs),
    },
    createHttpHandler({
      gateway,
      demo: createDemoFiles(demoDir),
      logger,
      publish,
      moderation,
      operator,
      metrics: prometheus?.scrape,
    }),
  );
  http.keepAliveTimeout = keepAliveTimeoutMs;
  const transport = attachWebSocketTransport(http, gateway, {
    maxPayload: maxFrameBytes * 2,
    logger,
    clock,
    ...(path === undefined ? {} : { path }),
    ...(trustProxy === undefined ? {} : { trustProxy }),
    ...(maxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress }),
    ...(maxUnidentifiedPerAddress === undefined ? {} : { maxUnidentifiedPerAddress }),
  });
  prometheus?.readFrom(
    () => gateway.stats(),
    () => transport.stats(),
  );
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(wantedPort, host, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    // A port already taken must not leave Redis connections keeping the process alive.
    await ownBackplane?.close();
    await ownState?.close();
    throw error;
  });
  const port = (http.address() as AddressInfo).port;
  // Publications other services XADD to `{prefix}ingress`, each taken by one instance (A5).
  const ingress =
    target === undefined
      ? undefined
      : startRedisIngress({
          target,
          gateway,
          consumer: gateway.serverId,
          events: rest.events ?? [],
          logger,
          clock,
          ...(redisPrefix === undefined ? {} : { prefix: redisPrefix }),
        });
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  const wsUrl = `ws://${shownHost}:${port}${path ?? '/ws'}`;
  // `port` matters with PORT=0: whoever started the process reads the real one from this line.
  logger.info({ url, wsUrl, port, mode: auth.mode, server_id: gateway.serverId }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    wsUrl,
    port,
    gateway,
    operatorEndpoints: operator.kind,
    close() {
      closing ??= (async () => {
        await ingress?.close();
        await gateway.stop();
        await transport.close();
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
        await ownBackplane?.close();
        await ownState?.close();
        logger.info({}, 'gateway stopped');
      })();
      return closing;
    },
  };
}

import { isIP } from 'node:net';
import type { ServerOptions } from './server';

export interface EnvConfig
  extends Pick<
    ServerOptions,
    | 'port'
    | 'host'
    | 'jwtSecret'
    | 'logLevel'
    | 'allowedOrigins'
    | 'allowDevMode'
    | 'redisUrl'
    | 'redisCluster'
    | 'redisPrefix'
    | 'publishKey'
    | 'presenceTtlMs'
    | 'jwtAudience'
    | 'jwtIssuer'
    | 'maxTokenLifetimeMs'
    | 'globalPresence'
    | 'operatorKey'
    | 'trustProxy'
    | 'maxConnectionsPerAddress'
    | 'maxUnidentifiedPerAddress'
  > {
  port: number;
  host: string;
  logLevel: string;
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Reads PORT (default 8081), HOST (default 0.0.0.0), JWT_SECRET, LOG_LEVEL (default info), ALLOWED_ORIGINS
 * (comma-separated browser origins; default any), GATEWAY_DEV_MODE (1: dev mode even in production), REDIS_URL
 * (several instances share rooms and users through Redis; absent: in memory) REDIS_PREFIX (default `gw:`)
 * PUBLISH_KEY (the server key of POST /publish; absent: no such endpoint) and PRESENCE_TTL_MS (with Redis: how
 * long a crashed instance's users stay online; default 30000), JWT_AUDIENCE and JWT_ISSUER (comma-separated `aud`
 * and `iss` values a token must carry one of; default no check) and MAX_TOKEN_LIFETIME_MS (the longest a
 * verified token keeps a connection, `exp` or not; default 86400000) and GLOBAL_PRESENCE (1: everyone connected
 * sees everyone, seed 000's presence; default off: users see the members of their rooms).
 *
 * The operator's surface (docs/http.md): OPERATOR_KEY (the Bearer key of GET /stats, /rooms/:id and /metrics;
 * absent: PUBLISH_KEY serves, and with neither those endpoints answer 404 except in dev mode outside
 * production), TRUST_PROXY (who may name the client in X-Forwarded-For: a whole number of proxies in front of
 * every request, or comma-separated proxy addresses and CIDR ranges such as `10.0.0.0/8,::1`; absent: nobody,
 * the socket's peer is the client), MAX_CONNECTIONS_PER_ADDRESS (WebSocket connections one client address may
 * hold; default 100) and MAX_UNIDENTIFIED_PER_ADDRESS (of those, not yet identified; default 10).
 */
export function readConfig(env: Record<string, string | undefined> = process.env): EnvConfig {
  const portText = env.PORT?.trim() || '8081';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, got "${portText}".`);
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.has(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}, got "${logLevel}".`);
  }
  const config: EnvConfig = { port, host: env.HOST?.trim() || '0.0.0.0', logLevel };
  const secret = env.JWT_SECRET;
  if (secret !== undefined && secret !== '') config.jwtSecret = secret;
  const origins = listOf(env.ALLOWED_ORIGINS);
  if (origins !== undefined) config.allowedOrigins = origins;
  if (env.GATEWAY_DEV_MODE !== undefined) config.allowDevMode = env.GATEWAY_DEV_MODE.trim() === '1';
  const redisUrl = env.REDIS_URL?.trim();
  if (redisUrl !== undefined && redisUrl !== '') {
    if (!/^rediss?:\/\//.test(redisUrl)) {
      throw new Error(
        `REDIS_URL must start with redis:// or rediss://, got "${redisUrl.replace(/:[^:@/]*@/, ':***@')}".`,
      );
    }
    config.redisUrl = redisUrl;
  }
  const cluster = listOf(env.REDIS_CLUSTER);
  if (cluster !== undefined) {
    const wrong = cluster.find((node) => !/^rediss?:\/\/[^/]+$/.test(node));
    if (wrong !== undefined) {
      throw new Error(
        `REDIS_CLUSTER must list redis://host:port nodes, comma-separated, got "${wrong.replace(/:[^:@/]*@/, ':***@')}".`,
      );
    }
    if (config.redisUrl !== undefined) throw new Error('Set REDIS_URL or REDIS_CLUSTER, not both.');
    config.redisCluster = cluster;
  }
  const redisPrefix = env.REDIS_PREFIX?.trim();
  if (redisPrefix !== undefined && redisPrefix !== '') config.redisPrefix = redisPrefix;
  // The server key of POST /publish; without one the endpoint does not exist.
  const publishKey = env.PUBLISH_KEY?.trim();
  if (publishKey !== undefined && publishKey !== '') config.publishKey = publishKey;
  const presenceTtl = env.PRESENCE_TTL_MS?.trim();
  if (presenceTtl !== undefined && presenceTtl !== '') {
    const ms = Number(presenceTtl);
    if (!Number.isInteger(ms) || ms < 300) {
      throw new Error(`PRESENCE_TTL_MS must be a whole number of milliseconds, at least 300, got "${presenceTtl}".`);
    }
    config.presenceTtlMs = ms;
  }
  const globalPresence = env.GLOBAL_PRESENCE?.trim();
  if (globalPresence !== undefined && globalPresence !== '') {
    if (globalPresence !== '0' && globalPresence !== '1') {
      throw new Error(`GLOBAL_PRESENCE must be 1 or 0, got "${globalPresence}".`);
    }
    config.globalPresence = globalPresence === '1';
  }
  const audience = listOf(env.JWT_AUDIENCE);
  if (audience !== undefined) config.jwtAudience = audience;
  const issuer = listOf(env.JWT_ISSUER);
  if (issuer !== undefined) config.jwtIssuer = issuer;
  const lifetime = env.MAX_TOKEN_LIFETIME_MS?.trim();
  if (lifetime !== undefined && lifetime !== '') {
    const ms = Number(lifetime);
    if (!Number.isInteger(ms) || ms < 1000) {
      throw new Error(
        `MAX_TOKEN_LIFETIME_MS must be a whole number of milliseconds, at least 1000, got "${lifetime}".`,
      );
    }
    config.maxTokenLifetimeMs = ms;
  }
  const operatorKey = env.OPERATOR_KEY?.trim();
  if (operatorKey !== undefined && operatorKey !== '') config.operatorKey = operatorKey;
  const trustProxy = env.TRUST_PROXY?.trim();
  if (trustProxy !== undefined && trustProxy !== '') {
    if (/^\d+$/.test(trustProxy)) config.trustProxy = Number(trustProxy);
    else {
      const proxies = listOf(trustProxy) ?? [];
      const bad = proxies.find((entry) => !isIpOrCidr(entry));
      if (bad !== undefined) {
        throw new Error(
          `TRUST_PROXY must be a whole number of proxies or comma-separated IP addresses and CIDR ranges, got "${bad}".`,
        );
      }
      config.trustProxy = proxies;
    }
  }
  const perAddress = wholeAtLeastOne(env, 'MAX_CONNECTIONS_PER_ADDRESS');
  if (perAddress !== undefined) config.maxConnectionsPerAddress = perAddress;
  const unidentified = wholeAtLeastOne(env, 'MAX_UNIDENTIFIED_PER_ADDRESS');
  if (unidentified !== undefined) config.maxUnidentifiedPerAddress = unidentified;
  return config;
}

/** `1.2.3.4`, `::1`, `10.0.0.0/8`, `fd00::/8`. */
function isIpOrCidr(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/');
  if (extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d+$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}

/** A whole number, at least 1, from the environment; undefined when unset or empty. */
function wholeAtLeastOne(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number, at least 1, got "${text}".`);
  return value;
}

/** Comma-separated values, trimmed, empty ones dropped; undefined when none is left. */
function listOf(text: string | undefined): string[] | undefined {
  const values = text
    ?.split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  return values === undefined || values.length === 0 ? undefined : values;
}

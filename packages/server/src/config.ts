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
    | 'redisPrefix'
    | 'publishKey'
    | 'presenceTtlMs'
    | 'jwtAudience'
    | 'jwtIssuer'
    | 'maxTokenLifetimeMs'
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
 * verified token keeps a connection, `exp` or not; default 86400000).
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
  return config;
}

/** Comma-separated values, trimmed, empty ones dropped; undefined when none is left. */
function listOf(text: string | undefined): string[] | undefined {
  const values = text
    ?.split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  return values === undefined || values.length === 0 ? undefined : values;
}

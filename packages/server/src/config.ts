import type { ServerOptions } from './server';

export interface EnvConfig
  extends Pick<ServerOptions, 'port' | 'host' | 'jwtSecret' | 'logLevel' | 'allowedOrigins' | 'allowDevMode'> {
  port: number;
  host: string;
  logLevel: string;
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Reads PORT (default 8081), HOST (default 0.0.0.0), JWT_SECRET, LOG_LEVEL (default info), ALLOWED_ORIGINS
 * (comma-separated browser origins; default any) and GATEWAY_DEV_MODE (1: dev mode even in production).
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
  const origins = env.ALLOWED_ORIGINS?.split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  if (origins !== undefined && origins.length > 0) config.allowedOrigins = origins;
  if (env.GATEWAY_DEV_MODE !== undefined) config.allowDevMode = env.GATEWAY_DEV_MODE.trim() === '1';
  return config;
}

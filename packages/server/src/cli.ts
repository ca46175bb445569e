#!/usr/bin/env node
import pino from 'pino';
import { answerCommandLine, packageVersion } from './cli-args';
import { readConfig } from './config';
import type { AuthMode } from './core/options';
import { systemClock } from './core/ports/clock';
import { type RunningServer, startServer } from './server';

/**
 * How long a graceful stop may take before the process exits regardless: the gateway's own wait for
 * in-flight messages (stopTimeoutMs, 5 s), on a Redis Cluster its wait for clients to take their sessions
 * elsewhere (their 1 s reconnect window and a 5 s grace), the sockets' close handshakes (1 s) and some slack.
 */
const STOP_BOUND_MS = 14_000;

const IDENTITY: Record<AuthMode, string> = {
  dev: 'DEV MODE: no JWT_SECRET, so identify may name any user. Do not expose this server.',
  jwt: 'JWT mode: tokens are verified with JWT_SECRET (HS256).',
  custom: 'custom mode: tokens are verified by the verifyToken hook.',
};

const OPERATOR: Record<RunningServer['operatorEndpoints'], (url: string) => string> = {
  open: (url) => `${url}/stats, /metrics, /rooms/:id (open: dev mode without OPERATOR_KEY)`,
  key: (url) => `${url}/stats, /metrics, /rooms/:id (Authorization: Bearer <OPERATOR_KEY, else PUBLISH_KEY>)`,
  off: () => 'off (set OPERATOR_KEY for /stats, /metrics and /rooms/:id)',
};

function banner(
  url: string,
  wsUrl: string,
  mode: AuthMode,
  operator: RunningServer['operatorEndpoints'],
  backplane: string,
): string {
  const identity = IDENTITY[mode];
  return [
    '',
    `  gateway is running (${identity})`,
    '',
    `  demo chat   ${url}/`,
    `  websocket   ${wsUrl}`,
    `  health      ${url}/health`,
    `  operator    ${OPERATOR[operator](url)}`,
    `  backplane   ${backplane}`,
    '',
    '  Ctrl+C stops it gracefully (reconnect + goodbye + close 4002 to every client).',
    '',
    '',
  ].join('\n');
}

/** Where fan-out goes, for the banner; a password in the URL is never shown. */
function describeBackplane(redisUrl: string | undefined): string {
  if (redisUrl === undefined) return 'in memory (one instance; set REDIS_URL to run several)';
  const { host } = new URL(redisUrl);
  return `redis ${host}`;
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const logger = pino({ level: config.logLevel });
  const server = await startServer({ ...config, logger });
  logger.info({ url: `${server.url}/` }, `Demo page: ${server.url}/`);
  logger.info({ wsUrl: server.wsUrl }, `WebSocket endpoint: ${server.wsUrl}`);
  if (server.gateway.mode === 'dev') {
    logger.warn({}, '!!! DEV MODE: anyone can connect as any user. Set JWT_SECRET before exposing this server. !!!');
  }
  // stdout carries JSON logs for machines; the person who just ran `npm start` gets a plain summary.
  process.stderr.write(
    banner(server.url, server.wsUrl, server.gateway.mode, server.operatorEndpoints, describeBackplane(config.redisUrl)),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second Ctrl+C: the person does not want to wait for the sockets.
      logger.warn({ signal }, 'stopping at once');
      process.exit(1);
    }
    stopping = true;
    logger.info(
      { signal },
      'stopping: reconnect + goodbye (4002) to every client, then handing over or ending their sessions',
    );
    // A socket that never finishes its close handshake must not keep a deploy waiting.
    // The system clock's timers never keep the process alive by themselves.
    systemClock.setTimeout(() => {
      logger.warn({ bound_ms: STOP_BOUND_MS }, 'stop took too long; exiting anyway');
      process.exit(1);
    }, STOP_BOUND_MS);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const answer = answerCommandLine(process.argv.slice(2), packageVersion);
if (answer.kind === 'serve') {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
} else {
  // --help, --version or a mistake: nothing was started, so the process ends once the text is written.
  if (answer.stdout !== undefined) process.stdout.write(answer.stdout);
  if (answer.stderr !== undefined) process.stderr.write(answer.stderr);
  process.exitCode = answer.exitCode;
}

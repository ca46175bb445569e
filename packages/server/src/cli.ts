#!/usr/bin/env node
import pino from 'pino';
import { readConfig } from './config';
import { startServer } from './server';

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const logger = pino({ level: config.logLevel });
  const server = await startServer({ ...config, logger });
  logger.info({ url: `${server.url}/` }, `Demo page: ${server.url}/`);
  logger.info({ wsUrl: server.wsUrl }, `WebSocket endpoint: ${server.wsUrl}`);
  if (server.gateway.mode === 'dev') {
    logger.warn({}, '!!! DEV MODE: anyone can connect as any user. Set JWT_SECRET before exposing this server. !!!');
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: closing connections with goodbye (4002)');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventDefinition } from '@gateway/protocol';
import pino from 'pino';
import { DEV_MODE_WARNING, resolveAuth } from './auth/resolve';
import { createGateway, type Gateway } from './core/gateway';
import type { Logger } from './core/logger';
import type { GatewayOptions } from './core/options';
import { createDemoFiles } from './http/demo-files';
import { createHttpHandler } from './http/handler';
import { attachWebSocketTransport } from './transport/ws';

export interface ServerOptions<Events extends readonly EventDefinition[] = readonly EventDefinition[]>
  extends GatewayOptions<Events> {
  /** 0 picks a free port. @default 8081 */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  /** HS256 secret; without it (and without `verifyToken`) the server runs in dev mode. */
  jwtSecret?: string;
  /** Level of the pino logger made when `logger` is absent. @default 'info' */
  logLevel?: string;
  /** WebSocket path. @default '/ws' */
  path?: string;
  /** Directory the demo page is served from. @default `<package>/demo/public` */
  demoDir?: string;
}

export interface RunningServer<Events extends readonly EventDefinition[] = readonly EventDefinition[]> {
  /** `http://host:port` (localhost when bound to every interface). */
  url: string;
  /** `ws://host:port/ws`. */
  wsUrl: string;
  port: number;
  gateway: Gateway<Events>;
  /**
   * `gateway.stop()` (reconnect + goodbye + close 4002 to every connection, then every session ends), waits
   * briefly for the sockets to close, then stops listening.
   */
  close(): Promise<void>;
}

/** HTTP and WebSocket on one port, wired to a gateway core. */
export async function startServer<const Events extends readonly EventDefinition[] = []>(
  options: ServerOptions<Events> = {},
): Promise<RunningServer<Events>> {
  const logger: Logger = options.logger ?? pino({ level: options.logLevel ?? 'info' });
  const clock = options.clock;
  const auth = resolveAuth({
    jwtSecret: options.jwtSecret,
    verifyToken: options.verifyToken,
    ...(clock === undefined ? {} : { now: () => clock.now() }),
  });
  if (auth.mode === 'dev') logger.warn({ mode: 'dev' }, DEV_MODE_WARNING);
  const {
    port: wantedPort = 8081,
    host = '0.0.0.0',
    jwtSecret: _secret,
    logLevel: _level,
    path,
    demoDir,
    ...rest
  } = options;
  const gateway = createGateway<Events>({
    ...rest,
    logger,
    ...(auth.verifyToken === undefined ? {} : { verifyToken: auth.verifyToken }),
  });
  const maxFrameBytes = options.maxFrameBytes ?? 16_384;
  const http = createServer(createHttpHandler({ gateway, demo: createDemoFiles(demoDir), logger }));
  const transport = attachWebSocketTransport(http, gateway, {
    maxPayload: maxFrameBytes * 2,
    logger,
    ...(path === undefined ? {} : { path }),
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(wantedPort, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  const wsUrl = `ws://${shownHost}:${port}${path ?? '/ws'}`;
  logger.info({ url, wsUrl, mode: auth.mode, server_id: gateway.serverId }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    wsUrl,
    port,
    gateway,
    close() {
      closing ??= (async () => {
        gateway.stop();
        await transport.close();
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
        logger.info({}, 'gateway stopped');
      })();
      return closing;
    },
  };
}

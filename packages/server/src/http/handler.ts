import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gateway } from '../core/api';
import type { Logger } from '../core/ports/logger';
import { type DemoFiles, MISSING_DEMO_PAGE } from './demo-files';
import { sendJson } from './json';
import { admitOperator, type OperatorAccess } from './operator-access';

export interface HttpHandlerOptions {
  gateway: Pick<Gateway, 'stats' | 'roomStatus' | 'mode'>;
  demo: DemoFiles;
  logger: Logger;
  /** POST /publish (`createPublishEndpoint`); absent when no publish key is configured: 404. */
  publish?: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  /**
   * POST /moderation/disconnect (`createModerationEndpoint`); absent when no operator or publish key is
   * configured (even in dev mode: it acts, it does not only read): 404.
   */
  moderation?: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  /** Who may read `/stats`, `/rooms/:id` and `/metrics` (`operatorAccess`). */
  operator: OperatorAccess;
  /** The Prometheus scrape for `GET /metrics`; absent: 404. */
  metrics?: (() => Promise<{ contentType: string; body: string }>) | undefined;
}

/** The endpoints that show what users do (rooms, messages, counts): for operators only. */
const OPERATOR_PATHS = /^\/(stats|metrics|rooms\/[^/]+)$/;

function sendBody(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * HTTP on the gateway's port: health (seed 002) and the demo page for anyone; stats (seed 004), room status
 * (seed 003) and Prometheus metrics for operators (docs/http.md).
 */
export function createHttpHandler({
  gateway,
  demo,
  logger,
  publish,
  moderation,
  operator,
  metrics,
}: HttpHandlerOptions) {
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/publish') {
      if (publish === undefined) sendJson(res, 404, { error: 'not_found' });
      else await publish(req, res);
      return;
    }
    if (pathname === '/moderation/disconnect') {
      if (moderation === undefined) sendJson(res, 404, { error: 'not_found' });
      else await moderation(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: 'method_not_allowed' });
      return;
    }
    if (pathname === '/health') {
      const { connections, backplane } = gateway.stats();
      if (backplane.state === 'ok') sendJson(res, 200, { status: 'ok', connections, mode: gateway.mode });
      // Still 200: a load balancer should keep routing here, local traffic works; only fan-out between
      // instances is paused until the backplane recovers by itself. The reason (an error naming hosts) is
      // for operators: anonymous callers see the state only.
      else {
        const shown =
          operator.kind === 'open'
            ? backplane
            : { kind: backplane.kind, state: backplane.state, since: backplane.since };
        sendJson(res, 200, { status: 'degraded', connections, mode: gateway.mode, backplane: shown });
      }
      return;
    }
    if (OPERATOR_PATHS.test(pathname)) {
      const admitted = admitOperator(operator, req);
      if (admitted === 'not_found') {
        sendJson(res, 404, { error: 'not_found' });
        return;
      }
      if (admitted === 'unauthorized') {
        sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
        return;
      }
    }
    if (pathname === '/metrics') {
      if (metrics === undefined) sendJson(res, 404, { error: 'not_found' });
      else {
        const scraped = await metrics();
        sendBody(res, 200, scraped.contentType, scraped.body, { 'cache-control': 'no-store' });
      }
      return;
    }
    if (pathname === '/stats') {
      sendJson(res, 200, gateway.stats());
      return;
    }
    const room = /^\/rooms\/([^/]+)$/.exec(pathname)?.[1];
    if (room !== undefined) {
      let roomId: string;
      try {
        roomId = decodeURIComponent(room);
      } catch {
        sendJson(res, 400, { error: 'bad_room_id' });
        return;
      }
      sendJson(res, 200, await gateway.roomStatus(roomId));
      return;
    }
    if (demo.owns(pathname)) {
      const file = await demo.read(pathname);
      if (file !== undefined) sendBody(res, 200, file.contentType, file.body);
      else if (pathname === '/' || pathname === '/index.html') {
        sendBody(res, 200, 'text/html; charset=utf-8', MISSING_DEMO_PAGE);
      } else sendJson(res, 404, { error: 'not_found', message: 'The demo has not been built.' });
      return;
    }
    sendJson(res, 404, { error: 'not_found' });
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  };
}

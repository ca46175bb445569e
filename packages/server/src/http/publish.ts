import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventDefinition } from '@gateway/protocol';
import type { Gateway } from '../core/api';
import type { Logger } from '../core/ports/logger';
import { createPublicationValidator, deliverPublication } from '../ingress/publication';
import { bearerCheck } from './bearer';

export interface PublishEndpointOptions {
  gateway: Pick<Gateway, 'broadcast' | 'send'>;
  /** The server key other services send as `Authorization: Bearer <key>`. */
  key: string;
  events?: readonly EventDefinition[];
  logger: Logger;
  /** Larger bodies are answered 413. @default 65536 */
  maxBodyBytes?: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The body as text, or undefined once it passes the cap (the rest is not read). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * POST /publish: other services (an API server, a worker) deliver events to rooms, users or everyone
 * without a socket, authenticated by the server key. 202 once handed to the gateway's fan-out.
 */
export function createPublishEndpoint({ gateway, key, events, logger, maxBodyBytes = 65_536 }: PublishEndpointOptions) {
  const validate = createPublicationValidator(events);
  const authorized = bearerCheck([key]);

  return async function publish(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
      return;
    }
    if (!authorized(req.headers.authorization)) {
      // The body is never read: `connection: close` makes Node close the socket once the answer is written,
      // instead of reading (and discarding) whatever the caller still sends to keep the connection alive.
      sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer', connection: 'close' });
      return;
    }
    const tooLarge = () =>
      sendJson(res, 413, { error: 'payload_too_large', max_bytes: maxBodyBytes }, { connection: 'close' });
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) {
      tooLarge();
      return;
    }
    const text = await readBody(req, maxBodyBytes);
    if (text === undefined) {
      tooLarge();
      req.destroy();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      sendJson(res, 400, {
        error: 'invalid_json',
        issues: [{ path: '(root)', message: 'The body is not valid JSON.' }],
      });
      return;
    }
    const result = validate(body);
    if (!result.ok) {
      sendJson(res, 400, { error: result.error, issues: result.issues });
      return;
    }
    deliverPublication(gateway, result.publication);
    logger.debug({ type: result.publication.type, target: result.publication.target }, 'publication accepted');
    sendJson(res, 202, { accepted: true });
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventDefinition } from '@gateway/protocol';
import type { Gateway } from '../core/api';
import type { Logger } from '../core/ports/logger';
import { createPublicationValidator, deliverPublication } from '../ingress/publication';
import { bearerCheck } from './bearer';
import { readJsonPost, sendJson } from './json';

export interface PublishEndpointOptions {
  gateway: Pick<Gateway, 'broadcast' | 'send'>;
  /** The server key other services send as `Authorization: Bearer <key>`. */
  key: string;
  events?: readonly EventDefinition[];
  logger: Logger;
  /** Larger bodies are answered 413. @default 65536 */
  maxBodyBytes?: number;
}

/**
 * POST /publish: other services (an API server, a worker) deliver events to rooms, users or everyone
 * without a socket, authenticated by the server key. 202 once handed to the gateway's fan-out.
 */
export function createPublishEndpoint({ gateway, key, events, logger, maxBodyBytes = 65_536 }: PublishEndpointOptions) {
  const validate = createPublicationValidator(events);
  const authorized = bearerCheck([key]);

  return async function publish(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await readJsonPost(req, res, { authorized, maxBodyBytes });
    if (request === undefined) return;
    const result = validate(request.body);
    if (!result.ok) {
      sendJson(res, 400, { error: result.error, issues: result.issues });
      return;
    }
    deliverPublication(gateway, result.publication);
    logger.debug({ type: result.publication.type, target: result.publication.target }, 'publication accepted');
    sendJson(res, 202, { accepted: true });
  };
}

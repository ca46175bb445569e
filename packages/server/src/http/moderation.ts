import type { IncomingMessage, ServerResponse } from 'node:http';
import { Id } from '@gateway/protocol';
import type { DisconnectOptions, Gateway } from '../core/api';
import { MAX_MODERATION_REASON } from '../core/moderation-command';
import type { Logger } from '../core/ports/logger';
import type { SendTarget } from '../core/types';
import { bearerCheck } from './bearer';
import { readJsonPost, sendJson } from './json';

export interface ModerationEndpointOptions {
  gateway: Pick<Gateway, 'disconnect'>;
  /** The operator key, sent as `Authorization: Bearer <key>`. */
  key: string;
  logger: Logger;
  /** Larger bodies are answered 413. @default 4096 */
  maxBodyBytes?: number;
}

interface Issue {
  path: string;
  message: string;
}

const FIELDS = new Set(['user_id', 'session_id', 'reason', 'ban_ms']);

/** `{user_id? | session_id?, reason?, ban_ms?}` as `disconnect`'s arguments, or what is wrong with it. */
export function readDisconnectRequest(
  body: unknown,
): { target: SendTarget; options: DisconnectOptions } | { issues: Issue[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { issues: [{ path: '(root)', message: 'The body must be a JSON object.' }] };
  }
  const fields = body as Record<string, unknown>;
  const issues: Issue[] = [];
  for (const name of Object.keys(fields)) {
    if (!FIELDS.has(name))
      issues.push({ path: name, message: 'Unknown field: expected user_id or session_id, reason, ban_ms.' });
  }
  const { user_id: userId, session_id: sessionId, reason, ban_ms: banMs } = fields;
  if ((userId === undefined) === (sessionId === undefined)) {
    issues.push({ path: '(root)', message: 'Name exactly one of user_id and session_id.' });
  }
  for (const [path, id] of [['user_id', userId] as const, ['session_id', sessionId] as const]) {
    if (id !== undefined && !Id.safeParse(id).success) {
      issues.push({ path, message: 'Must be a non-empty string of at most 128 characters.' });
    }
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_MODERATION_REASON)) {
    issues.push({ path: 'reason', message: `Must be a string of at most ${MAX_MODERATION_REASON} characters.` });
  }
  if (banMs !== undefined && (typeof banMs !== 'number' || !Number.isSafeInteger(banMs) || banMs <= 0)) {
    issues.push({ path: 'ban_ms', message: 'Must be a positive integer (milliseconds).' });
  }
  if (issues.length > 0) return { issues };
  const target: SendTarget = typeof userId === 'string' ? { userId } : { sessionId: sessionId as string };
  const options: DisconnectOptions = {
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof banMs === 'number' ? { ban: { ms: banMs } } : {}),
  };
  return { target, options };
}

/**
 * POST /moderation/disconnect: `gateway.disconnect` for operators (docs/moderation.md), authenticated by the
 * operator key. 200 `{disconnected}` (this instance's count; other instances end theirs as the command
 * reaches them); 503 when a ban could not be stored (nobody was disconnected: retry).
 */
export function createModerationEndpoint({ gateway, key, logger, maxBodyBytes = 4096 }: ModerationEndpointOptions) {
  const authorized = bearerCheck([key]);

  return async function moderation(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const posted = await readJsonPost(req, res, { authorized, maxBodyBytes });
    if (posted === undefined) return;
    const request = readDisconnectRequest(posted.body);
    if ('issues' in request) {
      sendJson(res, 400, { error: 'invalid_request', issues: request.issues });
      return;
    }
    let disconnected: number;
    try {
      ({ disconnected } = await gateway.disconnect(request.target, request.options));
    } catch (error) {
      logger.error({ err: error }, 'moderation disconnect failed');
      sendJson(res, 503, {
        error: 'unavailable',
        message: 'The ban could not be stored, so nobody was disconnected; try again.',
      });
      return;
    }
    sendJson(res, 200, { disconnected });
  };
}

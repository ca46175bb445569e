import { createServerFrameDecoder, type EventDefinition, isDispatchType, serverFrameSchemas } from '@gateway/protocol';
import type { Gateway } from '../core/api';
import { englishIssues } from '../core/zod-messages';

/** Who a publication reaches: every connection in a room, every connection of a user, or everyone. */
export type PublishTarget = { room: string } | { user: string } | { all: true };

/** An event another service hands the gateway to deliver (POST /publish or the ingress stream). */
export interface Publication {
  target: PublishTarget;
  type: string;
  payload: unknown;
}

export interface PublicationIssue {
  path: string;
  message: string;
}

/** `invalid_target`, `invalid_type` or `invalid_payload`, with the issues found. */
export type PublicationErrorCode = 'invalid_target' | 'invalid_type' | 'invalid_payload';

export type PublicationResult =
  | { ok: true; publication: Publication }
  | { ok: false; error: PublicationErrorCode; issues: PublicationIssue[] };

const MAX_ID_LENGTH = 128;
const TARGET_KEYS = ['room', 'user', 'all'] as const;

function fail(error: PublicationErrorCode, path: string, message: string): PublicationResult {
  return { ok: false, error, issues: [{ path, message }] };
}

function validId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/** The target part of a publication body, or the issue with it. */
function readTarget(body: Record<string, unknown>): PublishTarget | PublicationResult {
  const given = TARGET_KEYS.filter((key) => body[key] !== undefined);
  if (given.length !== 1) {
    return fail('invalid_target', '(root)', 'Give exactly one target: "room", "user" or "all": true.');
  }
  if (body.room !== undefined) {
    return validId(body.room) ? { room: body.room } : fail('invalid_target', 'room', 'A room id: 1 to 128 characters.');
  }
  if (body.user !== undefined) {
    return validId(body.user) ? { user: body.user } : fail('invalid_target', 'user', 'A user id: 1 to 128 characters.');
  }
  return body.all === true ? { all: true } : fail('invalid_target', 'all', '"all" must be true.');
}

/**
 * Checks publications against the protocol: the type must be a built-in dispatch (`chat.message`,
 * `system`, `guild.update`, …) or one of the gateway's server events, and the payload must match its
 * schema. Connection-control frames (hello, ack, error, goodbye, …) and typing are not publishable.
 */
export function createPublicationValidator(events: readonly EventDefinition[] = []) {
  const decoder = createServerFrameDecoder(events, englishIssues());
  const customTypes: ReadonlySet<string> = new Set(
    events.filter((event) => event.direction !== 'client').map((event) => event.name),
  );
  const publishable = (type: string) => customTypes.has(type) || (type in serverFrameSchemas && isDispatchType(type));

  return function validate(body: unknown): PublicationResult {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return fail('invalid_target', '(root)', 'The body must be a JSON object.');
    }
    const record = body as Record<string, unknown>;
    const target = readTarget(record);
    if ('ok' in target) return target;
    const type = record.type;
    if (typeof type !== 'string' || !publishable(type)) {
      return fail('invalid_type', 'type', "A server dispatch type or one of the gateway's server events.");
    }
    if (record.payload === undefined) return fail('invalid_payload', 'payload', 'A payload is required.');
    const decoded = decoder.decodeValue({ type, payload: record.payload });
    if (!decoded.ok) {
      const issues = decoded.error.issues?.map((issue) => ({ path: issue.path, message: issue.message }));
      return {
        ok: false,
        error: 'invalid_payload',
        issues: issues ?? [{ path: 'payload', message: decoded.error.message }],
      };
    }
    return { ok: true, publication: { target, type, payload: record.payload } };
  };
}

export type PublicationValidator = ReturnType<typeof createPublicationValidator>;

/** Hands a checked publication to the gateway, which fans it out (over the backplane, to every instance). */
export function deliverPublication(gateway: Pick<Gateway, 'broadcast' | 'send'>, publication: Publication): void {
  const { target, type, payload } = publication;
  // The validator checked type and payload against the schemas; the generic signatures cannot see that.
  if ('room' in target) gateway.broadcast(type as never, payload as never, { room: target.room });
  else if ('user' in target) gateway.send({ userId: target.user }, type as never, payload as never);
  else gateway.broadcast(type as never, payload as never);
}

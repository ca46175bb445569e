import { Id } from '@gateway/protocol';
import type { DisconnectOptions } from './api';
import type { BackplaneMessage } from './ports/backplane';
import type { Ban } from './ports/ban-store';
import type { SendTarget } from './types';

/** The type of the `moderation` channel's messages; never delivered to clients. */
const COMMAND_TYPE = 'moderation.disconnect';

/** The longest operator reason kept with a ban and told to users. */
export const MAX_MODERATION_REASON = 256;

/** A disconnect as every instance hears it: whom, why, and the ban's end (epoch ms) when there is one. */
export interface DisconnectCommand {
  /** The instance that issued it: it has carried it out for its own sessions already. */
  readonly origin: string;
  readonly target: SendTarget;
  readonly reason: string | undefined;
  readonly until: number | undefined;
}

/** The ban a command carries, if any. */
export function banOf(command: DisconnectCommand): Ban | undefined {
  if (command.until === undefined) return undefined;
  return command.reason === undefined ? { until: command.until } : { until: command.until, reason: command.reason };
}

/** Why `disconnect` cannot be carried out (for a `TypeError`, or an HTTP 400); undefined when it can. */
export function disconnectProblem(target: unknown, options: DisconnectOptions | undefined): string | undefined {
  if (typeof target !== 'object' || target === null) return 'The target must be {userId} or {sessionId}.';
  const { userId, sessionId } = target as Record<string, unknown>;
  if ((userId === undefined) === (sessionId === undefined)) return 'The target names either userId or sessionId.';
  const id = userId ?? sessionId;
  if (!Id.safeParse(id).success) return `The ${userId === undefined ? 'sessionId' : 'userId'} is not a valid id.`;
  const reason = options?.reason;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_MODERATION_REASON)) {
    return `The reason must be a string of at most ${MAX_MODERATION_REASON} characters.`;
  }
  const ms = options?.ban?.ms;
  if (options?.ban !== undefined && (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms <= 0)) {
    return 'ban.ms must be a positive integer (milliseconds).';
  }
  return undefined;
}

export function commandMessage(command: DisconnectCommand): BackplaneMessage {
  const { origin, target, reason, until } = command;
  const body = {
    origin,
    ...('userId' in target ? { user_id: target.userId } : { session_id: target.sessionId }),
    ...(reason === undefined ? {} : { reason }),
    ...(until === undefined ? {} : { until }),
  };
  return { type: COMMAND_TYPE, body: JSON.stringify(body), sequenced: false };
}

/** A command read off the channel; undefined for anything malformed (another program must not break this). */
export function readCommand(message: BackplaneMessage): DisconnectCommand | undefined {
  if (message.type !== COMMAND_TYPE) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { origin, user_id: userId, session_id: sessionId, reason, until } = parsed as Record<string, unknown>;
  if (typeof origin !== 'string') return undefined;
  if (reason !== undefined && typeof reason !== 'string') return undefined;
  if (until !== undefined && (typeof until !== 'number' || !Number.isFinite(until))) return undefined;
  const target = typeof userId === 'string' ? { userId } : typeof sessionId === 'string' ? { sessionId } : undefined;
  if (target === undefined) return undefined;
  return { origin, target, reason, until };
}

import type { EventDefinition } from '@gateway/protocol';
import type { ServerEventMap, ServerEventType } from '../core/types';
import type { PublicationErrorCode, PublicationIssue, PublishTarget } from '../ingress/publication';

export type { PublicationIssue, PublishTarget };

/** Delivers events into the gateway from another service, typed like `gateway.broadcast`. */
export interface Publisher<Events extends readonly EventDefinition[] = readonly EventDefinition[]> {
  publish<T extends ServerEventType<Events>>(
    target: PublishTarget,
    type: T,
    payload: ServerEventMap<Events>[T],
  ): Promise<void>;
  close(): Promise<void>;
}

/**
 * A publication refused: by the gateway (`status` 400, 401, 404, 413) or, for the Redis publisher, by the
 * same checks made before writing. `code` is the answer's `error`.
 */
export class PublishError extends Error {
  override readonly name = 'PublishError';

  constructor(
    readonly code: PublicationErrorCode | 'unauthorized' | 'not_found' | 'payload_too_large' | 'invalid_json' | string,
    message: string,
    readonly status?: number,
    readonly issues: readonly PublicationIssue[] = [],
  ) {
    super(message);
  }
}
